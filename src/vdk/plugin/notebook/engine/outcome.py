"""How a cell's run ended, decided once by the engine and handed to every listener.

The engine's control flow, the progress log and the executed notebook all act on the same
verdict, so none of them re-derives it from the exception.
"""
from __future__ import annotations

import enum
from typing import Any
from typing import NamedTuple
from typing import Optional



class CellStatus(str, enum.Enum):
    """A str enum, as vdk-core's ExecutionStatus: the value is what the executed notebook's
    `metadata.vdk.status` holds."""

    OK = "ok"
    STOPPED = "stopped"  # a request to stop the job successfully (skip_remaining_steps)
    TIMED_OUT = "timed-out"
    INTERRUPTED = "interrupted"  # Ctrl-C, or the job being stopped
    EXPECTED_ERROR = "expected-error"  # raised in a cell tagged raises-exception
    FAILED = "failed"

    @property
    def run_goes_on(self) -> bool:
        return self in (CellStatus.OK, CellStatus.EXPECTED_ERROR)

    @property
    def is_failure(self) -> bool:
        """The cell ended the run unsuccessfully: the report's banner points at it."""
        return self in (CellStatus.FAILED, CellStatus.TIMED_OUT, CellStatus.INTERRUPTED)


class CellResult(NamedTuple):
    """One cell's run, as listeners hear of it. `cell` is the CompiledCell that ran, `count` its
    place in this run (1-based: the execution count), `error` what it raised, if anything (also
    for STOPPED and EXPECTED_ERROR)."""

    cell: Any
    count: int
    seconds: float
    error: Optional[BaseException]
    status: CellStatus


class CellListener:
    """Receives cell events (the progress log, the executed notebook); subclasses override
    what they need."""

    def cell_started(self, cell: Any, count: int) -> None:
        pass

    def cell_finished(self, result: CellResult) -> None:
        pass
