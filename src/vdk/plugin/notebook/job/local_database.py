"""The database of local development when a job names none: an embedded SQLite file per job.

A new user's first `%%vdksql` or `send_object_for_ingestion` must not fail for want of a
database. Where neither the job's config.ini ([vdk] db_default_type) nor the environment
(VDK_DB_DEFAULT_TYPE) names one, the Jupyter kernel's `job_input` and the runs started from
JupyterLab use a SQLite file of their own for that job, kept OUTSIDE the job folder (`vdk deploy`
uploads everything in it) in the user's data directory. A job that names its database is never
overridden. Plain Python, no Jupyter or vdk-core import: the server calls it on every plan.
"""
from __future__ import annotations

import configparser
import importlib.util
import os
import pathlib
import tempfile
import urllib.parse
from typing import Mapping
from typing import NamedTuple
from typing import Optional

from vdk.plugin.notebook.job.data_folder import data_folder
from vdk.plugin.notebook.job.data_folder import job_key


class LocalDatabase(NamedTuple):
    """The database local runs of a job use. `default`: the embedded SQLite file chosen here."""

    type: Optional[str]
    file: Optional[str]
    default: bool
    message: Optional[str]
    ingest_method_set: bool = False  # the job or the environment chose how to ingest
    # Which database, for the user: "PostgreSQL at host:port/dbname", "SQLite file ..." (never
    # a password); None where the job names none and none can be used.
    label: Optional[str] = None

    def as_json(self) -> dict:
        return {"type": self.type, "file": self.file, "default": self.default,
                "message": self.message, "label": self.label}

    def environment(self) -> dict[str, str]:
        """VDK_ variables that make a run or a kernel's job use this database; {} when the job
        or the environment chose its own. Creates the file's folder (SQLite creates the file)."""
        if not self.default:
            return {}
        pathlib.Path(str(self.file)).parent.mkdir(parents=True, exist_ok=True)
        values = {"VDK_DB_DEFAULT_TYPE": "SQLITE", "VDK_SQLITE_FILE": str(self.file)}
        if not self.ingest_method_set:
            values["VDK_INGEST_METHOD_DEFAULT"] = "sqlite"
        return values


def local_database(job_dir: pathlib.Path, environ: Optional[Mapping[str, str]] = None) -> LocalDatabase:
    """The database local runs of the job in `job_dir` use, from its config.ini and `environ`."""
    environ = os.environ if environ is None else environ
    options = _job_options(job_dir)
    configured = environ.get("VDK_DB_DEFAULT_TYPE") or options.get("db_default_type")
    if configured:
        return LocalDatabase(configured, None, False, None, label=_label(configured, options, environ))
    if importlib.util.find_spec("vdk.plugin.sqlite") is None:
        return LocalDatabase(None, None, False, (
            f"No database is configured for data job '{job_dir.name}', and vdk-sqlite is not "
            "installed: set db_default_type in the job's config.ini, or pip install vdk-sqlite."
        ))
    file = environ.get("VDK_SQLITE_FILE") or options.get("sqlite_file") or str(default_file(job_dir, environ))
    message = (
        f"No database is configured for data job '{job_dir.name}' (db_default_type in its "
        f"config.ini, or VDK_DB_DEFAULT_TYPE): local runs and the Jupyter kernel use the SQLite "
        f"file {file}. Set db_default_type in the job's config.ini to use another database."
    )
    ingest_set = bool(environ.get("VDK_INGEST_METHOD_DEFAULT") or options.get("ingest_method_default"))
    return LocalDatabase("SQLITE", file, True, message, ingest_set, f"SQLite file {file}")


def postgres_address(options: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """host:port/dbname of the job's PostgreSQL database, from the POSTGRES_* keys as vdk-postgres
    reads them (the environment over config.ini), or from the libpq connection string."""
    def value(key: str) -> Optional[str]:
        return environ.get(f"VDK_{key.upper()}") or options.get(key)

    dsn = _dsn_parts(value("postgres_dsn") or "")
    host = value("postgres_host") or dsn.get("host") or "localhost"
    port = value("postgres_port") or dsn.get("port") or "5432"
    dbname = value("postgres_dbname") or dsn.get("dbname") or "?"
    return f"{host}:{port}/{dbname}"


def _label(configured: str, options: Mapping[str, str], environ: Mapping[str, str]) -> str:
    kind = configured.strip().upper()
    if kind == "POSTGRES":
        return f"PostgreSQL at {postgres_address(options, environ)}"
    if kind == "SQLITE":
        file = environ.get("VDK_SQLITE_FILE") or options.get("sqlite_file") or os.path.join(
            tempfile.gettempdir(), "vdk-sqlite.db")  # vdk-sqlite's default
        return f"SQLite file {file}"
    return f"{configured} (db_default_type)"


def _dsn_parts(dsn: str) -> dict[str, str]:
    """host, port and dbname of a libpq connection string, key=value or URI form; the rest
    (the password) is never kept."""
    parts: dict[str, str] = {}
    if "://" in dsn:
        url = urllib.parse.urlsplit(dsn)
        parts.update(host=url.hostname or "", port=str(url.port or ""), dbname=url.path.lstrip("/"))
    else:
        for key, _, value in (item.partition("=") for item in dsn.split()):
            if key in ("host", "port", "dbname"):
                parts[key] = value.strip("'")
    return {key: value for key, value in parts.items() if value}


def job_database_type(job_dir: pathlib.Path) -> Optional[str]:
    """db_default_type of the job's own config.ini, upper-cased (what the job uses wherever it
    runs, the cloud included, unless that environment says otherwise); None where it names none."""
    value = _job_options(job_dir).get("db_default_type")
    return value.strip().upper() if value and not value.startswith("(") else None


def default_file(job_dir: pathlib.Path, environ: Mapping[str, str]) -> pathlib.Path:
    """`<data dir>/vdk-jupyter/databases/<job>-<hash of its folder>.sqlite`: one per job folder,
    so two jobs of the same name in different folders do not share tables."""
    return data_folder(environ) / "databases" / f"{job_key(job_dir)}.sqlite"


def job_options(job_dir: pathlib.Path) -> dict[str, str]:
    """The [vdk] options of the job's config.ini (keys lower-cased), as `vdk run` reads them."""
    return _job_options(job_dir)


def _job_options(job_dir: pathlib.Path) -> dict[str, str]:
    """The [vdk] options of the job's config.ini, keys lower-cased as VDK reads them."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(job_dir / "config.ini", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        # vdk run reports a malformed config.ini itself; here, nothing is chosen over it.
        return {"db_default_type": "(as in config.ini)"}
    if not parser.has_section("vdk"):
        return {}
    return {key.lower(): value.strip() for key, value in parser.items("vdk") if value.strip()}
