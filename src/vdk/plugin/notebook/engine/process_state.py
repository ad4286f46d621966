"""Every change a notebook run makes to the process it runs in, each undone on the way out.

Cells run in the job's own process, not in a kernel that is thrown away afterwards; that is what
makes a notebook step as cheap as a .py step, and it is the design's main risk. So each piece of
process-wide state the run borrows is borrowed here, through one named context manager, and given
back when the step ends, whether it passed, failed or was interrupted. A test runs failing and
passing notebooks and checks that the process is left as it was found.
"""
from __future__ import annotations

import builtins
import contextlib
import linecache
import logging
import os
import signal
import sys
import types
from typing import Any
from typing import Iterable
from typing import Iterator
from typing import Optional


@contextlib.contextmanager
def importable_folder(folder: str) -> Iterator[None]:
    """`folder` first on sys.path: cells import the job's own modules as a .py step does."""
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:  # a cell took it out itself
            pass


_MISSING = object()


@contextlib.contextmanager
def main_module(module: types.ModuleType) -> Iterator[None]:
    """`module` as `__main__`, as in Jupyter: classes defined in a cell pickle, and
    `if __name__ == "__main__":` blocks run."""
    saved = sys.modules.get("__main__", _MISSING)
    sys.modules["__main__"] = module
    try:
        yield
    finally:
        if saved is _MISSING:
            sys.modules.pop("__main__", None)
        else:
            sys.modules["__main__"] = saved


@contextlib.contextmanager
def working_directory(folder: str) -> Iterator[None]:
    """`folder` as the working directory, as Jupyter runs a notebook in its own folder."""
    saved = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved)


@contextlib.contextmanager
def attributes_replaced(*changes: tuple[Any, str, Any]) -> Iterator[None]:
    """Each `owner.name` set to `value` (builtins.input, say), in order, and the originals put
    back in the reverse order afterwards, as nested `with`s would: what was set is given back
    also when a later one cannot be set."""
    saved = []
    try:
        for owner, name, value in changes:
            original = getattr(owner, name)
            setattr(owner, name, value)
            saved.append((owner, name, original))
        yield
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


@contextlib.contextmanager
def swapped_streams(stdout: Any, stderr: Any) -> Iterator[None]:
    """sys.stdout and sys.stderr replaced, for capturing what a cell prints."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def cell_sources(sources: Iterable[tuple[str, str]]) -> Iterator[None]:
    """Each (file name, source) registered in linecache, so tracebacks through a cell show its
    lines; removed afterwards, so a long-lived process does not keep every notebook's text."""
    added = []
    try:
        for filename, source in sources:
            if filename not in linecache.cache:
                linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
                added.append(filename)
        yield
    finally:
        for filename in added:
            linecache.cache.pop(filename, None)


@contextlib.contextmanager
def builtins_kept() -> Iterator[None]:
    """The builtins module as it was: IPython's shell adds `__IPYTHON__` and `display` to it
    for good, and a cell may assign to `builtins` itself."""
    saved = dict(vars(builtins))
    try:
        yield
    finally:
        current = vars(builtins)
        for name in current.keys() - saved.keys():
            del current[name]
        current.update(saved)


@contextlib.contextmanager
def signal_handler(signum: int, handler: Any) -> Iterator[None]:
    """`handler` for `signum`, and the previous handler back afterwards; only in the main
    thread, where Python allows it."""
    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)


@contextlib.contextmanager
def logger_level(name: str, level: Optional[int]) -> Iterator[None]:
    """The level of logger `name` set to `level` (None: left alone)."""
    logger = logging.getLogger(name)
    saved = logger.level
    if level is not None:
        logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(saved)


@contextlib.contextmanager
def environment_variables(values: dict[str, str]) -> Iterator[None]:
    """`values` set in os.environ, and the previous values (or their absence) restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
