"""Compiled cells kept between runs of a job, as Python keeps `.pyc` files for `.py` steps.

Each compile() call has a fixed cost of some 100,000 instructions, so compiling is most of what
preparing a plain cell costs, while a `.py` step compiles nothing on its second run: Python reads
its bytecode from `__pycache__`. Notebook cells get the same: one file per job folder keeps, for
every cell compiled, its code object and whether it keeps its last value, keyed by exactly what
was compiled (the text handed to the compiler, the cell's file name, the cell's own text). A cell
whose text or place changed misses and is compiled again, and only the cells of the last run are
kept, so the file does not grow.

What it must never do is run stale or foreign code. So the file records the Python version's
bytecode magic number, the -O level and the size and modification time of the modules that decide
how a cell is compiled; a mismatch, or anything unreadable, counts as no file. marshal data can
hold any code, so the folder is a per-user one under VDK's temporary write directory, created 0700
and checked as the report folder is (report_folder.open_private_folder); a folder that fails the
check is not used. As with `.pyc` files, `python -B` or PYTHONDONTWRITEBYTECODE stops writing, and
a cell whose compiling warns (a SyntaxWarning, say) is not kept, so the warning shows on every run.
A cache that cannot be read or written costs a compile and nothing else: it never fails a job.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import os
import pathlib
import sys
import tempfile
import warnings
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import Optional

from vdk.plugin.notebook.engine import last_expression
from vdk.plugin.notebook.engine import runner
from vdk.plugin.notebook.engine.last_expression import compile_keeping_result
from vdk.plugin.notebook.engine.report_folder import open_private_folder
from vdk.plugin.notebook.engine.report_folder import user_id

log = logging.getLogger(__name__)

CACHE_FOLDER = "vdk-notebook-bytecode"
_FORMAT = "vdk-jupyter code cache 1"
Compiled = tuple[CodeType, bool]
Key = tuple[str, str, str]  # what compile_keeping_result is given: source, filename, original


def _stamp() -> tuple:
    """What the cached code depends on besides its key."""
    stats = [os.stat(module) for module in (last_expression.__file__, runner.__file__)]
    # -O drops asserts from what compile() makes, as Python keeps .opt-1.pyc files apart.
    return (_FORMAT, MAGIC_NUMBER, sys.flags.optimize) + tuple(
        (found.st_size, found.st_mtime_ns) for found in stats)


def job_code_cache(temporary_directory: Optional[str], job_dir: pathlib.Path) -> "CodeCache":
    """The cache of `job_dir`'s cells, in this user's folder under `temporary_directory` (VDK's
    TEMPORARY_WRITE_DIRECTORY; the system's temporary folder if unset)."""
    base = pathlib.Path(temporary_directory or tempfile.gettempdir()).absolute()
    return CodeCache(base / f"{CACHE_FOLDER}-{user_id()}", job_dir)


class CodeCache:
    """The compiled cells of one job folder: compile() through it, then save()."""

    def __init__(self, folder: pathlib.Path, job_dir: pathlib.Path):
        self._folder = folder
        self._name = hashlib.sha256(str(job_dir.absolute()).encode()).hexdigest()[:32] + ".code"
        self._stamp = _stamp()
        self._known: dict[Key, Compiled] = {}
        self._used: dict[Key, Compiled] = {}
        self._changed = False
        self._load()

    def compile(self, source: str, filename: str, original: str) -> Compiled:
        """compile_keeping_result, from the cache when the same cell was compiled before."""
        key = (source, filename, original)
        found = self._known.get(key)
        if found is None:
            found, warned = _compile_noting_warnings(source, filename, original)
            if warned:
                return found
            self._changed = True
        self._used[key] = found
        return found

    def save(self) -> None:
        """Keep the cells compiled in this run, if anything changed."""
        if sys.dont_write_bytecode or not (self._changed or len(self._used) < len(self._known)):
            return
        from vdk.plugin.notebook.engine.report import write_in

        try:
            data = marshal.dumps((self._stamp, self._used))
            folder_fd = open_private_folder(self._folder)
            try:
                write_in(folder_fd, self._name, data)
            finally:
                os.close(folder_fd)
        except Exception as e:  # noqa: BLE001 - see the module docstring
            log.debug("Compiled cells not kept in %s: %s", self._folder, e)

    def _load(self) -> None:
        try:
            folder_fd = open_private_folder(self._folder)
            try:
                fd = os.open(self._name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0),
                             dir_fd=folder_fd)
            finally:
                os.close(folder_fd)
            with open(fd, "rb") as file:
                stamp, known = marshal.loads(file.read())
        except FileNotFoundError:
            return
        except Exception as e:  # noqa: BLE001 - see the module docstring
            log.debug("Compiled cells in %s not used: %s", self._folder / self._name, e)
            return
        if stamp == self._stamp and isinstance(known, dict):
            self._known = known


def _compile_noting_warnings(source: str, filename: str, original: str) -> tuple[Compiled, bool]:
    """Compile as compile_keeping_result does and say whether a warning was shown. The warning
    goes where it always goes (warnings.showwarning, which logging may have replaced): this only
    looks on the way. A warning the filters ignore is not shown on a later run either."""
    shown: list[bool] = []
    show = warnings.showwarning

    def noting(*args: object, **kwargs: object) -> None:
        shown.append(True)
        show(*args, **kwargs)

    warnings.showwarning = noting
    try:
        compiled = compile_keeping_result(source, filename, original)
    finally:
        warnings.showwarning = show
    return compiled, bool(shown)
