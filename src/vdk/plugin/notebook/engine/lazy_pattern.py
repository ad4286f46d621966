"""Regular expressions compiled on first use.

`re.compile` runs in Python (the parser and compiler of the `re` package): a few hundred
thousand instructions for a pattern, which every `vdk run` of a notebook would pay when the
engine is imported, while most patterns are only ever needed for a cell holding some character
(`%`, say) or for an unusual notebook. Callers check that character first.
"""
from __future__ import annotations

import re
from typing import Any
from typing import Optional


class LazyPattern:
    """A stand-in for `re.compile(pattern, flags)` that compiles when first used."""

    __slots__ = ("_pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0):
        self._pattern = pattern
        self._flags = flags
        self._compiled: Optional[re.Pattern] = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._pattern, self._flags)
        return getattr(compiled, name)
