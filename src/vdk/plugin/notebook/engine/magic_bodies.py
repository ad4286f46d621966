"""Syntax errors inside the body of a cell magic that runs Python, found at job start.

IPython hands the body of `%%time`, `%%timeit`, `%%capture` or `%%prun` to the magic as a
string, compiled only when the cell runs: a `def f(:` under `%%time` would fail halfway through
the job, after earlier steps changed data. These magics run their body as ordinary cell code, so
it is compiled here as the cell itself is, and a syntax error is reported like any other, at the
line where it is in the cell.
"""
from __future__ import annotations

import ast
from typing import Callable
from typing import Optional

from vdk.plugin.notebook.engine.lazy_pattern import LazyPattern

PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_MAGIC_LINE = LazyPattern(r"^\s*%%(\w+)")


def magic_body_syntax_error(
    source: str, transform: Callable[[str], str]
) -> Optional[tuple[int, SyntaxError]]:
    """(line in the cell, error) for a body of a Python-body cell magic that does not compile;
    `transform` turns IPython syntax (magics, !commands) in the body into Python."""
    lines = source.split("\n")
    number = next((i for i, line in enumerate(lines, start=1) if line.strip()), None)
    if number is None:
        return None
    match = _MAGIC_LINE.match(lines[number - 1])
    if match is None or match.group(1) not in PYTHON_BODY_MAGICS:
        return None
    body = "\n".join(lines[number:]) + "\n"
    try:
        compile(transform(body), "<cell magic body>", "exec",
                flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as e:
        return number + (e.lineno or 1), e
    return None
