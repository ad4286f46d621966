"""File names as messages show them.

A file name can hold any character but `/` and NUL, a newline included. Written into a log as
it is, `20_x\nJob execution result: SUCCESS.ipynb` forges a log line that a reader or a log
scanner would trust. Names that are not plain printable text are therefore shown escaped, the
way Python's repr escapes them; every other name is shown as it is, so ordinary messages stay
readable.
"""
from __future__ import annotations

import os
from typing import Union


def shown(name: Union[str, "os.PathLike[str]"]) -> str:
    """`name` as it may appear in a message: unchanged if printable, else quoted and escaped."""
    text = os.fspath(name)
    return text if text.isprintable() else repr(text)
