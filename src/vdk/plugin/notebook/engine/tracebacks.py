"""Tracebacks a user can act on: the frames of their own code and every exception's message.

A failed `job_input.execute_query` raises deep inside vdk-core's connection code, so Python's
traceback from the cell down is some twenty frames the user never wrote, with the database's own
words at the very end of a chain of exceptions. IPython hides its own frames the same way: here a
user frame is one of a notebook cell (compiled under a name such as `20_x.ipynb [code cell 2]`) or
of a file under the job's folder outside any installed package; library frames between them are
counted on one line. The whole traceback is kept beside it for those who want it.
"""
from __future__ import annotations

import os
import site
import sysconfig
import traceback
from types import TracebackType
from typing import Iterator
from typing import Optional


def _library_roots() -> tuple[str, ...]:
    """Where installed code lives: the standard library and every site-packages folder."""
    roots = {sysconfig.get_paths().get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.update(getattr(site, "getsitepackages", lambda: [])())
    roots.add(os.path.dirname(os.__file__))
    return tuple(os.path.join(os.path.abspath(root), "") for root in roots if root)


def is_user_frame(filename: str, user_root: Optional[str]) -> bool:
    """A cell's made-up file name, or a file of the job folder that is not an installed package."""
    if filename.startswith("<"):
        # IPython's `<ipython-input-...>`/`<timed exec>` for a cell magic's body; not `<frozen ...>`.
        return not filename.startswith("<frozen")
    if not os.path.isabs(filename):
        return True  # a cell, compiled under `notebook.ipynb [code cell N]`
    path = os.path.abspath(filename)
    if path.startswith(_library_roots()):
        return False
    return user_root is not None and path.startswith(os.path.join(os.path.abspath(user_root), ""))


def _tb_from(error: BaseException, first_filename: Optional[str]) -> Optional[TracebackType]:
    """The traceback from the cell's own frame down (the engine's frames above it are noise)."""
    tb = error.__traceback__
    if first_filename is None:
        return tb
    walk = tb
    while walk is not None:
        if walk.tb_frame.f_code.co_filename == first_filename:
            return walk
        walk = walk.tb_next
    return tb


def _chain(error: BaseException) -> list[tuple[BaseException, str]]:
    """The exceptions as Python prints them, oldest first, each with the line printed after it
    (how the next one came from it)."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    link = ""
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            link, current = "The above exception was the direct cause of the following exception:", current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            link, current = "During handling of the above exception, another exception occurred:", current.__context__
        else:
            current = None
    chain.reverse()  # each link now follows the exception it leads on from
    return chain


def _frames(tb: Optional[TracebackType]) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _exception_only(error: BaseException) -> list[str]:
    try:
        return traceback.format_exception_only(type(error), error)
    except Exception:  # noqa: BLE001 - a user's __str__ that raises
        return [f"{type(error).__name__}: <exception str() failed>\n"]


def user_traceback(
    error: BaseException, first_filename: Optional[str] = None, user_root: Optional[str] = None
) -> str:
    """The traceback with only the user's frames, library frames counted on one line, and the
    message of every exception in the chain (the database's own, raised in a driver, included)."""
    lines: list[str] = []
    for exc, link in _chain(error):
        tb = _tb_from(exc, first_filename) if exc is error else exc.__traceback__
        frames = list(_frames(tb))
        if frames:
            lines.append("Traceback (your code; library frames hidden):\n")
        hidden = 0
        for frame in frames:
            summary = traceback.extract_tb(frame, limit=1)
            if is_user_frame(summary[0].filename, user_root):
                if hidden:
                    lines.append(_hidden(hidden))
                    hidden = 0
                lines.extend(traceback.format_list(summary))
            else:
                hidden += 1
        if hidden:
            lines.append(_hidden(hidden))
        lines.extend(_exception_only(exc))
        if link:
            lines.append(f"\n{link}\n\n")
    return "".join(lines)


def _hidden(count: int) -> str:
    return f"  [{count} frame{'s' if count > 1 else ''} of installed libraries hidden]\n"



