"""Notebook errors in VDK's terms: user errors, with the message laid out the way VDK prints it.

VDK decides whom to blame from where an exception was raised; code compiled from a cell would
look like platform code to it. An explicitly classified error says what is true: the user can fix
it in the notebook.
"""
from __future__ import annotations

from vdk.internal.core.errors import BaseVdkError
from vdk.internal.core.errors import ResolvableBy
from vdk.internal.core.errors import ResolvableByActual

from vdk.plugin.notebook.errors import NotebookError


class NotebookStepError(BaseVdkError):
    def __init__(self, error: NotebookError):
        # VDK draws the message in a box line by line, so each line must be a single line. The
        # cell's traceback is left to the log: the box says what, where and what to do.
        text = f"{error.what}\nWhere: {error.location.describe()}\nWhat to do: {error.to_do}"
        super().__init__(ResolvableByActual.USER, ResolvableBy.USER_ERROR, *text.splitlines())
        self.notebook_error = error
