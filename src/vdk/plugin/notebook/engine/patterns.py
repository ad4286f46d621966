"""Regular expressions compiled when first used, not when their module is imported.

Compiling a pattern runs the re module's parser, written in Python: 0.5 to 3 million
instructions each, more than running a few cells. The compiler's patterns serve only cells with
`%`, `!` or `get_ipython` in them (magics, package installs, `%vdk` lines); compiled at import,
they cost every job with a notebook more than a small notebook's cells. Patterns that every
notebook uses are compiled at import as usual: deferring them saves nothing.
"""
from __future__ import annotations

import re
from typing import Any
from typing import Optional


class LazyPattern:
    """Stands for `re.compile(pattern, flags)`: any attribute of the compiled pattern."""

    __slots__ = ("_pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0):
        self._pattern = pattern
        self._flags = flags
        self._compiled: Optional[re.Pattern] = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
        return getattr(self._compiled, name)
