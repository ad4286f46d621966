"""Where this package keeps the files of a job's local runs: its SQLite database
(local_database.py) and its run records (run_record.py), under the user's data folder, one name
per job folder. Its own small module: every local `vdk run` writes a run record, and needs only
this of local_database.py."""
from __future__ import annotations

import hashlib
import os
import pathlib
import re
from typing import Mapping

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def data_folder(environ: Mapping[str, str]) -> pathlib.Path:
    """`<XDG_DATA_HOME or ~/.local/share>/vdk-jupyter`: this package's files of local runs."""
    data = environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return pathlib.Path(data) / "vdk-jupyter"


def job_key(job_dir: pathlib.Path) -> str:
    """`<job>-<hash of its folder>`: two jobs of the same name in different folders differ."""
    digest = hashlib.sha1(str(job_dir.resolve()).encode("utf-8")).hexdigest()[:8]
    name = _SAFE.sub("_", job_dir.resolve().name) or "job"
    return f"{name}-{digest}"
