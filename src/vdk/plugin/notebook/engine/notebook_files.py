"""Which files of a job folder are notebook steps, and what is said about the rest.

A `*.ipynb` entry is not always a notebook file: a symbolic link whose target is gone, a link
loop, a folder, a FIFO or a device can carry the name. Passed over in silence, the job reports
success without the notebook the user meant to run; opened, a FIFO blocks the job forever and
/dev/zero never ends. Entries are therefore classified with stat, which opens nothing:
regular files (or links to them) are steps; a broken link or a link loop is a step too, so that
the reader fails the job on it before any step runs (the user named a notebook that is not
there); anything else is skipped with a warning naming what it is.
"""
from __future__ import annotations

import errno
import logging
import os
import pathlib
import stat

from vdk.plugin.notebook.engine.errors import shown

log = logging.getLogger(__name__)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def find_notebook_files(job_dir: pathlib.Path) -> list[pathlib.Path]:
    """Top-level, non-hidden `*.ipynb` entries of `job_dir` that are steps, sorted by name."""
    found = []
    for path in job_dir.iterdir():
        if path.suffix.lower() != ".ipynb" or path.name.startswith("."):
            continue
        why_not = _not_a_notebook_file(path)
        if why_not is None:
            found.append(path)
        else:
            log.warning(
                "%s is not run as a notebook step: it is %s, not a notebook file. Move it out "
                "of the top level of the job folder, or rename it without .ipynb.",
                shown(path.name), why_not,
            )
    return sorted(found, key=lambda p: p.name)


def _not_a_notebook_file(path: pathlib.Path) -> "str | None":
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None  # a broken link: the reader says so, and the job fails before any step
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None  # as a broken link: the reader says so, and the job fails at start
        return f"not readable ({e.strerror})"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    if path.is_symlink():
        kind = f"a symbolic link to {kind} ({shown(os.readlink(path))})"
    return kind
