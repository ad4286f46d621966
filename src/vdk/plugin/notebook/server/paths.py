"""Paths from the browser, checked against the server root before anything is read or run.

The front end names files as the contents API does: relative to the server root, `/`-separated.
Anything that would reach outside the root (an absolute path, `..`, a symlink pointing out) is
refused, so no request can read, run or create a file the server's user did not put under it.
"""
from __future__ import annotations

import pathlib
from typing import Any
from typing import NamedTuple
from typing import Optional

from vdk.plugin.notebook.job.folder import is_job_folder
from vdk.plugin.notebook.job.folder import job_of_notebook
from vdk.plugin.notebook.job.local_database import local_database


class ApiError(Exception):
    """A request the server refuses: the HTTP status and the message the user reads."""

    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra  # more fields of the answer, for a front end to act on (a "kind")


class Job(NamedTuple):
    """A data job folder under the server root."""

    name: str
    directory: pathlib.Path  # absolute, resolved
    path: str  # relative to the server root

    def as_json(self, with_database: bool = True) -> dict[str, Any]:
        value: dict[str, Any] = {"name": self.name, "path": self.path}
        if with_database:
            value["database"] = local_database(self.directory).as_json()
        return value


def resolve(root: pathlib.Path, path: Any, what: str = "path") -> pathlib.Path:
    """`path` (relative to `root`, which is resolved) as an absolute path inside `root`."""
    if not isinstance(path, str):
        raise ApiError(400, f"'{what}' must be a string: a path relative to the server root, "
                            "such as 'my-job/10_notebook.ipynb'.")
    if "\0" in path or any(ord(c) < 32 for c in path):
        raise ApiError(400, f"'{what}' contains control characters: {path!r}.")
    check_text(path, what)
    relative = pathlib.PurePosixPath(path.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts or (relative.parts and ":" in relative.parts[0]):
        raise ApiError(403, f"'{what}' must be relative to the server root, without '..': {path!r}.")
    too_long = next((part for part in relative.parts if len(part.encode()) > NAME_MAX), None)
    if too_long is not None:
        raise ApiError(400, f"'{what}' has a name longer than {NAME_MAX} bytes, which no file "
                            f"can have: {too_long[:40]!r}...")
    try:
        absolute = (root / relative).resolve()
    except (OSError, RuntimeError) as e:  # a link loop, a path too long as a whole
        raise ApiError(400, f"'{what}' cannot be followed: {getattr(e, 'strerror', None) or e}: "
                            f"{path!r}.") from None
    if absolute != root and root not in absolute.parents:
        raise ApiError(403, f"'{what}' leads outside the server root (through a symbolic link): "
                            f"{path!r}.")
    return absolute


NAME_MAX = 255  # bytes in one file name (Linux, macOS)
DEPTH_LIMIT = 64  # nesting of JSON in a request


def check_text(text: str, what: str) -> None:
    """Refuses a string that cannot be a file name or be written as UTF-8: one with a lone
    surrogate (JSON allows "\\ud800"; no file system or log does)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, f"'{what}' is not valid text: it holds a lone surrogate "
                            f"({text.encode('utf-8', 'backslashreplace')[:80].decode()!r}).") from None


def check_json(value: Any, what: str, depth: int = 0) -> None:
    """Refuses a request's JSON nested deeper than DEPTH_LIMIT (it would exhaust the recursion
    of whatever walks it next) or holding strings that are not valid text."""
    if depth > DEPTH_LIMIT:
        raise ApiError(400, f"'{what}' is nested more than {DEPTH_LIMIT} levels deep: flatten it.")
    if isinstance(value, str):
        check_text(value, what)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, what)
            check_json(item, what, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json(item, what, depth + 1)


def relative(root: pathlib.Path, absolute: Optional[str]) -> Optional[str]:
    """An absolute path as the front end names it, or None when it is not under the root."""
    if not absolute:
        return None
    path = pathlib.Path(absolute).resolve()
    if path == root:
        return ""
    if root not in path.parents:
        return None
    return path.relative_to(root).as_posix()


def job_of(root: pathlib.Path, notebook: pathlib.Path) -> tuple[Optional[Job], Optional[str]]:
    """The job a notebook is a step of, or None and why not (job/folder.py's rule)."""
    folder, why_not = job_of_notebook(notebook, root)
    return (job_at(root, folder), None) if folder is not None else (None, why_not)


def job_at(root: pathlib.Path, folder: pathlib.Path) -> Job:
    return Job(folder.name, folder, relative(root, str(folder)) or "")


def job_for_run(root: pathlib.Path, path: Any) -> Job:
    """The job that `path` (a notebook of the job, or the job folder) names, for a run."""
    target = resolve(root, path)
    if not target.exists():
        raise ApiError(404, f"There is no file or folder {path!r} under the server root.")
    if target.is_dir():
        if not is_job_folder(target):
            raise ApiError(400, f"{path!r} is not a data job folder: it has no config.ini. "
                                "Create one with 'Create data job', or add a config.ini.")
        return job_at(root, target)
    job, why = job_of(root, target)
    if job is None:
        raise ApiError(400, f"{why} Nothing to run for {path!r}.")
    return job
