"""`input()` and `getpass()` in a cell fail at once, as in Jupyter when no front end can answer.

A job runs unattended: reading the job's stdin would hang a run whose stdin is open (a scheduler,
a CI runner, `vdk run` started from a terminal) until someone types, or read what was meant for
another program. Jupyter, when its front end does not take input (nbclient, papermill), raises
StdinNotImplementedError; this raises the same kind of error with what to do instead.
"""
from __future__ import annotations

from typing import Any
from typing import ContextManager

from vdk.plugin.notebook.engine.process_state import attributes_replaced


class InputNotAvailableError(RuntimeError):
    """Raised by input() and getpass() in a notebook run by vdk run."""


def _refuse(function: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise InputNotAvailableError(
            f"{function}() was called, but a notebook run as a job has nobody to answer it "
            "(Jupyter fails the same way when its front end does not take input). Pass the "
            "value as a job argument (vdk run --arguments '{\"name\": ...}', read with "
            "job_input.get_arguments() or a cell tagged 'parameters'), or as a job property "
            "or secret."
        )

    refuse.__name__ = function
    return refuse


_REFUSE_INPUT = _refuse("input")
_REFUSE_GETPASS = _refuse("getpass")


def input_refused() -> ContextManager[None]:
    """builtins.input and getpass.getpass raise InputNotAvailableError while cells run."""
    import builtins
    import getpass

    return attributes_replaced(
        (builtins, "input", _REFUSE_INPUT), (getpass, "getpass", _REFUSE_GETPASS)
    )
