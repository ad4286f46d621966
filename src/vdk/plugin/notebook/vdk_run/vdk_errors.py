"""Notebook errors in VDK's terms, with the message laid out the way VDK prints it.

VDK decides whom to blame from where an exception was raised; code compiled from a cell would
look like platform code to it. An explicitly classified error says what is true: the user can fix
it in the notebook. Unless VDK itself already blamed the platform for the cell's exception (a
database that cannot be reached, say): then the notebook step is blamed as a .py step would be.
"""
from __future__ import annotations

from typing import Optional

from vdk.internal.builtin_plugins.run import data_job
from vdk.internal.builtin_plugins.run.job_input_error_classifier import whom_to_blame
from vdk.internal.core.errors import BaseVdkError
from vdk.internal.core.errors import ResolvableBy
from vdk.internal.core.errors import ResolvableByActual

from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.timeout import CellTimeout


class NotebookStepError(BaseVdkError):
    def __init__(self, error: NotebookError):
        # VDK draws the message in a box line by line, so each line must be a single line. The
        # cell's traceback is left to the log: the box says what, where and what to do.
        text = f"{error.what}\nWhere: {error.location.describe()}\nWhat to do: {error.to_do}"
        if _blamed_on_platform(getattr(error, "cause", None)):
            blame = (ResolvableByActual.PLATFORM, ResolvableBy.PLATFORM_ERROR)
        else:
            blame = (ResolvableByActual.USER, ResolvableBy.USER_ERROR)
        super().__init__(*blame, *text.splitlines())
        self.notebook_error = error


class InvalidOptionError(BaseVdkError):
    """An option of this plugin set out of its range: the user's to fix, in config.ini or the
    environment."""

    def __init__(self, error: ValueError):
        super().__init__(ResolvableByActual.USER, ResolvableBy.USER_ERROR, *str(error).splitlines())


def _blamed_on_platform(cause: Optional[BaseException]) -> bool:
    """vdk-core's verdict on the same exception raised by a .py step: classified where it was
    raised, or raised inside vdk-core's job run code (job_input talking to a database)."""
    if cause is None or cause.__traceback__ is None:
        return False  # a cell that did not compile, or a refused line: the notebook's own fault
    if isinstance(cause, CellTimeout):
        return False  # the cell's time limit, wherever it struck (inside vdk-core's SQL call)
    return whom_to_blame(cause, data_job.__file__) == ResolvableBy.PLATFORM_ERROR
