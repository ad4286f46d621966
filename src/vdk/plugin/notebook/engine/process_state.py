"""Every change a notebook run makes to the process it runs in, each undone on the way out.

Cells run in the job's own process, not in a kernel that is thrown away afterwards; that is what
makes a notebook step as cheap as a .py step, and it is the design's main risk. So each piece of
process-wide state the run borrows is borrowed here, through one named context manager, and given
back when the step ends, whether it passed, failed or was interrupted. A test runs failing and
passing notebooks and checks that the process is left as it was found.
"""
from __future__ import annotations

import _signal
import builtins
import contextlib
import linecache
import logging
import operator
import os
import signal
import sys
import types
from typing import Any
from typing import Iterable
from typing import Iterator
from typing import Optional


class importable_folder:  # noqa: N801 - a class, as swapped_streams: entered for every notebook
    """`folder` first on sys.path: cells import the job's own modules as a .py step does."""

    __slots__ = ("_folder",)

    def __init__(self, folder: str):
        self._folder = folder

    def __enter__(self) -> None:
        sys.path.insert(0, self._folder)

    def __exit__(self, *exc_info: Any) -> None:
        try:
            sys.path.remove(self._folder)
        except ValueError:  # a cell took it out itself
            pass


_MISSING = object()


class main_module:  # noqa: N801 - a class, as swapped_streams: entered for every notebook
    """`module` as `__main__`, as in Jupyter: classes defined in a cell pickle, and
    `if __name__ == "__main__":` blocks run."""

    __slots__ = ("_module", "_saved")

    def __init__(self, module: types.ModuleType):
        self._module = module

    def __enter__(self) -> None:
        self._saved = sys.modules.get("__main__", _MISSING)
        sys.modules["__main__"] = self._module

    def __exit__(self, *exc_info: Any) -> None:
        if self._saved is _MISSING:
            sys.modules.pop("__main__", None)
        else:
            sys.modules["__main__"] = self._saved


class working_directory:  # noqa: N801 - a class, as swapped_streams: entered for every notebook
    """`folder` as the working directory, as Jupyter runs a notebook in its own folder."""

    __slots__ = ("_folder", "_saved")

    def __init__(self, folder: str):
        self._folder = folder

    def __enter__(self) -> None:
        self._saved = os.getcwd()
        os.chdir(self._folder)

    def __exit__(self, *exc_info: Any) -> None:
        os.chdir(self._saved)


class attributes_replaced:  # noqa: N801 - used as the other context managers here are
    """Each `owner.name` set to `value` (builtins.input, say), in order, and the originals put
    back in the reverse order afterwards. A class: entered for every notebook (see
    swapped_streams); one object for all the attributes, not one each."""

    __slots__ = ("_changes", "_saved")

    def __init__(self, *changes: tuple[Any, str, Any]):
        self._changes = changes

    def __enter__(self) -> None:
        self._saved = saved = []
        try:
            for owner, name, value in self._changes:
                original = getattr(owner, name)
                setattr(owner, name, value)
                saved.append((owner, name, original))
        except BaseException:  # what was set is given back, as nested `with`s would
            self.__exit__()
            raise

    def __exit__(self, *exc_info: Any) -> None:
        saved = self._saved
        while saved:
            owner, name, value = saved.pop()
            setattr(owner, name, value)


class swapped_streams:  # noqa: N801 - used as the other context managers here are
    """sys.stdout and sys.stderr replaced, for capturing what a cell prints. A class, not a
    generator like the others: it is entered for every cell, and a generator's context manager
    costs several times more to enter and leave."""

    __slots__ = ("_streams", "_saved")

    def __init__(self, stdout: Any, stderr: Any):
        self._streams = stdout, stderr

    def __enter__(self) -> None:
        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self._streams

    def __exit__(self, *exc_info: Any) -> None:
        sys.stdout, sys.stderr = self._saved


class cell_sources:  # noqa: N801 - a class, as swapped_streams: entered for every notebook
    """Each (file name, source) registered in linecache, so tracebacks through a cell show its
    lines; removed afterwards, so a long-lived process does not keep every notebook's text."""

    __slots__ = ("_sources", "_added")

    def __init__(self, sources: Iterable[tuple[str, str]]):
        self._sources = sources

    def __enter__(self) -> None:
        cache = linecache.cache
        self._added = added = []
        for filename, source in self._sources:
            if filename not in cache:
                cache[filename] = (len(source), None, source.splitlines(True), filename)
                added.append(filename)

    def __exit__(self, *exc_info: Any) -> None:
        pop = linecache.cache.pop
        for filename in self._added:
            pop(filename, None)


class builtins_kept:  # noqa: N801 - used as the other context managers here are
    """The builtins module as it was: IPython's shell adds `__IPYTHON__` and `display` to it
    for good, and a cell may assign to `builtins` itself. Left as it is when every name is
    still bound to the very same object (the usual case, checked in C), which spares looking
    up each of its ~160 names twice for every notebook."""

    __slots__ = ("_saved",)

    def __enter__(self) -> None:
        self._saved = dict(vars(builtins))

    def __exit__(self, *exc_info: Any) -> None:
        current, saved = vars(builtins), self._saved
        if len(current) == len(saved) and all(map(operator.is_, current, saved)) and all(
                map(operator.is_, current.values(), saved.values())):
            return  # the same names in the same order, bound to the same objects
        for name in [name for name in current if name not in saved]:
            del current[name]
        current.update(saved)


class signal_handler:  # noqa: N801 - used as the other context managers here are
    """`handler` for `signum`; only in the main thread, where Python allows it. A class:
    entered for every notebook (see swapped_streams)."""

    __slots__ = ("_signum", "_handler", "_previous")

    def __init__(self, signum: int, handler: Any):
        self._signum, self._handler = signum, handler

    def __enter__(self) -> None:
        self._previous = _set_handler(self._signum, self._handler)

    def __exit__(self, *exc_info: Any) -> None:
        _set_handler(self._signum, self._previous)


def _set_handler(signum: int, handler: Any) -> Any:
    """signal.signal(signum, handler), for a function or a plain int (SIG_DFL, SIG_IGN as the C
    module has them) without signal.py's wrapper: it converts handlers to and from
    signal.Handlers members, and for a function (ours, and ours again when the previous one is
    put back) that raises and catches a TypeError and a ValueError, most of the cost of a
    notebook step's signal handling. Anything else (a Handlers member, say) goes through the
    wrapper. Either way the same handler is installed, and the previous one returned is put
    back as the same handler."""
    if type(handler) is types.FunctionType or type(handler) is int:
        return _signal.signal(signum, handler)
    return signal.signal(signum, handler)


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
