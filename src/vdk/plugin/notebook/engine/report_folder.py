"""Where one run's executed notebooks go: a folder only this user can write, never shared.

Reports hold what cells printed, which can be private. The default place is a per-user folder,
`vdk-notebook-reports-<uid>` under VDK's temporary write directory (the system's temp folder
unless configured), created with mode 0700. In a shared temp folder anyone can create that name
first, or plant a symbolic link there pointing elsewhere, so the folder is opened without
following links and must be a folder owned by this user; otherwise reports are refused with a
message saying why. Below it (or below a NOTEBOOK_REPORT_DIRECTORY the user chose) the job's
folder must be this user's too, and each run gets a folder of its own, created exclusively: two
runs starting in the same microsecond get `<time>` and `<time>-2`, never the same folder.
Everything below the base is reached through open folder descriptors (openat), so a link swapped
in after the check is not followed either.

The chain is walked and checked once per run, not once per notebook: the job folder's descriptor,
checked at job start, is kept until the run's folder is made in it, and the run folder's
descriptor, opened through that chain, is kept for every later report of the run. A descriptor
is the folder itself, not its name: whatever happens to the names above it later (a link or
another user's folder put in place of the base or the job folder, a rename), writes through it
still land in the folder this run created exclusively, mode 0700, inside a folder checked to be
this user's, which is what walking the chain again would have made sure of, at the cost of
eight system calls, three exceptions and several path objects per notebook. The descriptors are
closed when the ReportFolder is released (or at exit).
"""
from __future__ import annotations

import contextlib
import datetime
import os
import pathlib
import re
import stat
import tempfile
import weakref
from typing import Optional

from vdk.plugin.notebook.engine.errors import shown

REPORTS_FOLDER = "vdk-notebook-reports"
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class ReportFolderError(Exception):
    """The report folder is not safe to write to: what is wrong and what to do."""


def _safe(name: str) -> str:
    """`name` with each run of characters other than letters, digits, `.`, `_` and `-` replaced
    by `_`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def user_id() -> str:
    return str(os.geteuid()) if hasattr(os, "geteuid") else _safe(os.getlogin())


class ReportFolder:
    """One run's report folder, created on first use (`open`)."""

    def __init__(self, directory: str, temporary_directory: Optional[str], job_name: str,
                 started: Optional[str] = None):
        self.private = not directory  # the default per-user folder: checked strictly
        self.base = (pathlib.Path(directory).expanduser() if directory else pathlib.Path(
            temporary_directory or tempfile.gettempdir()) / f"{REPORTS_FOLDER}-{user_id()}"
        ).absolute()
        self.job = _safe(job_name) or "job"
        self.started = started or datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y%m%dT%H%M%S.%fZ")
        self.path: Optional[pathlib.Path] = None  # this run's folder, once created
        self._name: Optional[str] = None
        # The checked job folder (from check() until the run folder is made) and the run folder,
        # kept open: see the module's docstring.
        self._held: dict[str, int] = {}
        weakref.finalize(self, _close_all, self._held)

    @property
    def job_folder(self) -> pathlib.Path:
        return self.base / self.job

    def check(self) -> None:
        """Create and check the base and job folders now (at job start), so a folder someone
        else owns is reported before any step runs; ReportFolderError if unsafe. The job
        folder's descriptor is kept for open()."""
        job_fd = self._open_job_folder()
        _close_all(self._held)
        self._held["job"] = job_fd

    def open(self) -> int:
        """A new descriptor of this run's folder (the caller closes it), the folder created
        exclusively on the first call, in the job folder check() kept or else opened now through
        the checked chain; later calls duplicate the descriptor of that first opening."""
        run_fd = self._held.get("run")
        if run_fd is None:
            job_fd = self._held.pop("job", None)
            if job_fd is None:
                job_fd = self._open_job_folder()
            try:
                if self._name is None:
                    self._name = self._make_run_folder(job_fd)
                    self.path = self.job_folder / self._name
                run_fd = os.open(self._name, _DIRECTORY | _NOFOLLOW, dir_fd=job_fd)
            finally:
                os.close(job_fd)
            self._held["run"] = run_fd
        return os.dup(run_fd)

    def _make_run_folder(self, job_fd: int) -> str:
        for attempt in range(1, 1000):
            name = self.started if attempt == 1 else f"{self.started}-{attempt}"
            try:
                os.mkdir(name, 0o700, dir_fd=job_fd)
                return name
            except FileExistsError:
                continue
        raise ReportFolderError(f"No new run folder could be made in {self.job_folder}.")

    def _open_job_folder(self) -> int:
        base_fd = self._open_base()
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(self.job, 0o700, dir_fd=base_fd)
            return _open_owned(self.job, base_fd, self.job_folder)
        finally:
            os.close(base_fd)

    def _open_base(self) -> int:
        if not self.private:
            self.base.mkdir(parents=True, exist_ok=True)
            return os.open(self.base, _DIRECTORY)
        return open_private_folder(self.base)


def open_private_folder(folder: pathlib.Path) -> int:
    """A descriptor of `folder` (absolute), created with mode 0700 if missing; ReportFolderError
    if it is a link or not this user's. For any per-user folder in a shared temp folder."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    fd = _open_owned(str(folder), None, folder)
    if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
        os.fchmod(fd, 0o700)  # ours, so tightening it is safe (an old umask made it 0755)
    return fd


def _open_owned(name: str, dir_fd: Optional[int], shown: pathlib.Path) -> int:
    """Open folder `name` without following a link, and check it is this user's."""
    try:
        fd = os.open(name, _DIRECTORY | _NOFOLLOW, dir_fd=dir_fd)
    except OSError as e:
        if os.path.islink(shown):
            raise ReportFolderError(_refusal(shown, "is a symbolic link (to "
                                             f"{os.readlink(shown)}), which is not followed")) from e
        raise ReportFolderError(_refusal(shown, f"cannot be opened as a folder: {e.strerror}")) from e
    owner = os.fstat(fd).st_uid
    if hasattr(os, "geteuid") and owner != os.geteuid():
        os.close(fd)
        raise ReportFolderError(_refusal(shown, f"is owned by another user ({_user_name(owner)})"))
    return fd


def _close_all(held: dict[str, int]) -> None:
    while held:
        os.close(held.popitem()[1])


def _refusal(folder: pathlib.Path, why: str) -> str:
    return (f"The report folder {shown(folder)} {why}; executed notebooks are not written there, since "
            "someone else could read or replace them. Remove it if it is not yours, or set "
            "NOTEBOOK_REPORT_DIRECTORY to a folder of your own (NOTEBOOK_REPORT=false: no reports).")


def _user_name(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name}, uid {uid}"
    except (ImportError, KeyError):
        return f"uid {uid}"

