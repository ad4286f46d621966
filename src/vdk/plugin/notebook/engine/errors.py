"""User-facing errors of notebook steps.

Every error here names the notebook file and, where there is one, the cell and the line, because
a user reading a cloud log has nothing else to go on. The engine and the reader raise these plain
exceptions; the step runner turns them into VDK user errors, so this module stays free of VDK.
"""
from __future__ import annotations

import os
from typing import NamedTuple
from typing import Optional
from typing import Union

from vdk.plugin.notebook.engine.cells import cell_label


def shown(name: Union[str, "os.PathLike[str]"]) -> str:
    """`name` (a file name) as it may appear in a message: unchanged if printable, else quoted
    and escaped as Python's repr escapes it. A file name can hold any character but `/` and NUL,
    a newline included: written into a log as it is, `20_x\nJob execution result: SUCCESS.ipynb`
    would forge a log line that a reader or a log scanner would trust."""
    text = os.fspath(name)
    return text if text.isprintable() else repr(text)


class Location(NamedTuple):
    """Where in a notebook something happened. Cell numbers count code cells from 1, as a user
    counts them down the notebook; `line` is 1-based within the cell."""

    notebook: str
    cell_number: Optional[int] = None
    cell_id: Optional[str] = None
    line: Optional[int] = None
    line_text: Optional[str] = None

    def describe(self) -> str:
        parts = [shown(self.notebook)]
        if self.cell_number is not None:
            parts.append(cell_label(self.cell_number, self.cell_id))
        if self.line is not None:
            parts.append(f"line {self.line}")
        text = ", ".join(parts)
        if self.line_text is not None and self.line_text.strip():
            text += f":\n    {self.line_text.strip()}"
        return text


def error_text(error: BaseException) -> str:
    """`str(error)`, which runs the user's own `__str__` and can itself raise: the message
    about a failing cell must not fail in turn. Worded as Python's own traceback words it."""
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - any failure of user code here
        return "<exception str() failed>"


class NotebookError(Exception):
    """An error a user can fix in the notebook: what went wrong, where, and what to do."""

    def __init__(self, what: str, location: Location, to_do: str, details: str = ""):
        self.what = what
        self.location = location
        self.to_do = to_do
        self.details = details
        # Where code cell `location.cell_number` is among all cells of the file, where known
        # (prepare_notebook sets it: the run events carry it for a cell that never ran).
        self.cell_index: Optional[int] = None
        super().__init__(self.message())

    def message(self) -> str:
        text = f"{self.what}\nWhere: {self.location.describe()}"
        if self.details:
            text += f"\n{self.details.rstrip()}"
        return f"{text}\nWhat to do: {self.to_do}"


class InvalidNotebookError(NotebookError):
    """The file cannot be run as a notebook at all (unreadable, malformed, wrong language)."""


class CellFailedError(NotebookError):
    """A cell raised, or could not be compiled. `cause` is the user's own exception; `details`
    its traceback through the user's own code, `full_traceback` every frame of it."""

    def __init__(
        self,
        what: str,
        location: Location,
        to_do: str,
        details: str = "",
        cause: Optional[BaseException] = None,
        full_traceback: str = "",
    ):
        self.cause = cause
        self.full_traceback = full_traceback
        super().__init__(what, location, to_do, details)
