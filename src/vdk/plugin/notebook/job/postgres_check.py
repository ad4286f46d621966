"""One quick connection to a job's PostgreSQL server before any step runs.

vdk-core retries a failed connection five times, 30 s to 4 min apart, whatever the cause: a wrong
password keeps `vdk run` (or a Jupyter cell) silent for minutes, and a password does not become
right on the fifth try. So before the first step, one connection is made with the job's own
settings and a short timeout, and what fails is said in one line naming the server and the key to
fix. Only a server that is not there yet (refused, not answering, "starting up") is tried again,
for a few seconds (`wait`), as one being started beside the job deserves.

Plain Python and psycopg2 (which vdk-postgres brings); no vdk-core import.
"""
from __future__ import annotations

import time
from typing import NamedTuple
from typing import Optional

RETRY_PAUSE = 0.5  # seconds between attempts while a server is not there yet

# libpq's words for a server that is not (yet) there: worth another try within `wait`.
_NOT_THERE = ("connection refused", "could not connect", "timeout expired", "starting up",
              "no route to host", "server closed the connection", "is not yet accepting")


class PostgresSettings(NamedTuple):
    """vdk-postgres's keys for the default database (POSTGRES_* options)."""

    host: Optional[str]
    port: Optional[str]
    dbname: Optional[str]
    user: Optional[str]
    password: Optional[str]
    dsn: Optional[str] = None

    def address(self) -> str:
        """host:port/dbname, as the user set them (never the password)."""
        return f"{self.host or 'localhost'}:{self.port or 5432}/{self.dbname or '?'}"

    def missing(self) -> list[str]:
        """The keys vdk-postgres needs and did not get: it creates the default connection only
        when host, port, dbname, user and password are all set."""
        names = ("host", "port", "dbname", "user", "password")
        return [f"postgres_{name}" for name in names if not getattr(self, name)]


class PostgresUnreachable(Exception):
    """The job's PostgreSQL server cannot be used; the message is one line for the user."""


def check_postgres(settings: PostgresSettings, wait: float = 5.0) -> float:
    """Connect once (retrying only a server not there yet, up to `wait` seconds); returns the
    seconds it took, or raises PostgresUnreachable saying what is wrong and which key to fix."""
    missing = settings.missing()
    if missing:
        keys = ", ".join(missing)
        variables = ", ".join(f"VDK_{key.upper()}" for key in missing)
        raise PostgresUnreachable(
            f"The job's database is PostgreSQL (db_default_type = POSTGRES) but {keys} "
            f"{'is' if len(missing) == 1 else 'are'} not set: set {'it' if len(missing) == 1 else 'them'} "
            f"in the [vdk] section of the job's config.ini, or as {variables}."
        )
    try:
        import psycopg2
    except ImportError:
        raise PostgresUnreachable(
            "The job's database is PostgreSQL (db_default_type = POSTGRES) but psycopg2 is not "
            "installed: pip install 'vdk-jupyter[postgres]' (it brings vdk-postgres)."
        ) from None
    started = time.monotonic()
    deadline = started + max(0.0, wait)
    while True:
        remaining = deadline - time.monotonic()
        try:
            connection = psycopg2.connect(
                dsn=settings.dsn, host=settings.host, port=settings.port,
                dbname=settings.dbname, user=settings.user, password=settings.password,
                # libpq's connect_timeout: whole seconds, at least 2.
                connect_timeout=max(2, int(remaining) + 1),
                application_name="vdk-jupyter connection check",
            )
        except psycopg2.Error as e:
            reason = _reason(e)
            if _not_there(reason) and time.monotonic() + RETRY_PAUSE < deadline:
                time.sleep(RETRY_PAUSE)
                continue
            raise PostgresUnreachable(_message(settings, reason, time.monotonic() - started)) from None
        connection.close()
        return time.monotonic() - started


def _reason(error: Exception) -> str:
    """libpq's message in one line, without its "connection to server at ... failed:" prefix
    (the address is said once, our way)."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    text = ". ".join(line.rstrip(".") for line in lines) or type(error).__name__
    if " failed: " in text:
        text = text.split(" failed: ", 1)[1]
    return text.replace("FATAL:  ", "").replace("FATAL: ", "")


def _not_there(reason: str) -> bool:
    lowered = reason.lower()
    return any(words in lowered for words in _NOT_THERE)


def _message(settings: PostgresSettings, reason: str, seconds: float) -> str:
    where = f"PostgreSQL at {settings.address()}"
    lowered = reason.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        fix = (f"check postgres_user ('{settings.user}') and postgres_password "
               "(VDK_POSTGRES_USER, VDK_POSTGRES_PASSWORD)")
    elif "does not exist" in lowered and "database" in lowered:
        fix = "check postgres_dbname (VDK_POSTGRES_DBNAME), or create the database"
    elif "does not exist" in lowered and "role" in lowered:
        fix = "check postgres_user (VDK_POSTGRES_USER)"
    elif _not_there(reason) or "could not translate host name" in lowered:
        fix = (f"start the server, or check postgres_host and postgres_port "
               f"(VDK_POSTGRES_HOST, VDK_POSTGRES_PORT); tried for {seconds:.1f} s")
    else:
        fix = "check the postgres_ settings of the job's config.ini and the VDK_POSTGRES_ variables"
    ending = "" if reason.endswith((".", "?", "!")) else "."
    return f"Cannot connect to the job's database, {where}: {reason}{ending} To fix: {fix}."
