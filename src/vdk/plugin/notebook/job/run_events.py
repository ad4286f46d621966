"""The run events: what a `vdk run` started from JupyterLab tells the Jupyter server, and the
server tells the browser, while the job runs and when it ends. One owner for the protocol.

    vdk_run/events.py   writes step_started, cell_started, cell_finished, report, step_finished,
                        job_failed, one JSON object a line, to the file named by EVENTS_FILE_VARIABLE
    server/runs.py      reads them, adds run_started and run_finished and a `seq` to each,
                        and hands them to the browser (GET runs/<id>, docs/http-api.md)
    server/result.py    builds run_finished's RunResult from them
    jupyterlab/src/api.ts  mirrors every TypedDict and status here one to one (IRunEvent is the
                        union of the I<Name> interfaces); tests/test_run_events_mirror.py keeps
                        the two in step

TypedDicts rather than classes: an event is the JSON object on the wire, written with json.dumps
and read with json.loads, and the server hands it on as it came. Paths are absolute as `vdk run`
writes them; the server makes them relative to its root (None: outside it). No
`from __future__ import annotations` here: the annotations are read at run time (EVENT_KINDS,
the mirror test).
"""
import enum
from typing import Literal
from typing import Optional
from typing import TypedDict
from typing import Union
from typing import get_args

from vdk.plugin.notebook.engine.outcome import CellStatus
from vdk.plugin.notebook.job import EVENTS_FILE_VARIABLE  # the file the events are written to

__all__ = [
    "EVENTS_FILE_VARIABLE", "CellStatus", "StepStatus", "RunStatus", "CellError", "StepError",
    "CellRef", "EventCell", "RunStarted", "StepStarted", "CellStarted", "CellFinished", "Report",
    "StepFinished", "JobFailed", "RunFinished", "RunEvent", "EVENT_KINDS", "is_event", "RunResult", "FailedStep",
    "FailedCell", "ReportRef", "RunJob", "Database",
]


class StepStatus(str, enum.Enum):
    """How a step of the job ended (step_finished). vdk_run/events.py maps vdk-core's own
    ExecutionStatus onto these; INTERRUPTED: the step raised past vdk-core (Ctrl-C, a stop)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_RUNNABLE = "not-runnable"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


class RunStatus(str, enum.Enum):
    """How the whole run ended (RunResult.status): from the exit code of `vdk run`, and whether
    a stop was asked for."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"


# CellStatus (cell_finished.status) is the engine's own (engine/outcome.py), also what the
# executed notebook's metadata.vdk.status holds.


class _Sequenced(TypedDict, total=False):
    # The event's place in its run, 1, 2, ..., given by the server as it receives the event:
    # what `GET runs/<id>?after=<seq>` counts. Absent only in what `vdk run` writes.
    seq: int


class CellError(TypedDict):
    """What a cell raised (cell_finished.error)."""

    ename: str
    evalue: str
    line: Optional[int]


class StepError(TypedDict):
    """Why a step failed (step_finished.error): the cell's own error where a notebook cell
    failed; `message` is the whole text of the notebook error (where, what to do, with the
    user's own frames and the database's message); `traceback` every frame of the cell's
    exception, library frames included (engine/tracebacks.py; None when there is none)."""

    ename: str
    evalue: str
    message: str
    traceback: Optional[str]


class CellRef(TypedDict):
    """The cell a notebook step failed at (step_finished.cell). `number` counts code cells from
    1 as the user does; `index` is its place among all cells of the file (engine/cells.py,
    code_cell_indices), known also for a cell that never ran (it did not compile)."""

    number: int
    index: Optional[int]
    id: Optional[str]
    line: Optional[int]


class EventCell(TypedDict):
    """The cell fields of cell_started and cell_finished. An injected-parameters cell is not in
    the file: index, id and number are None."""

    index: Optional[int]
    id: Optional[str]
    number: Optional[int]
    injected: bool


class RunJob(TypedDict):
    name: str
    path: str  # the job folder, relative to the server root


class RunStarted(_Sequenced):
    """Added by the server when it starts `vdk run`."""

    type: Literal["run_started"]
    time: float
    job: RunJob
    arguments: Optional[dict]
    repair: Optional[dict]  # None: `vdk run`; else `vdk repair` with this selection (repair.py)


class StepStarted(_Sequenced):
    type: Literal["step_started"]
    time: float
    step: str
    step_type: str  # vdk-core's: "notebook", "sql", "python"
    path: Optional[str]


class CellStarted(EventCell, _Sequenced):
    type: Literal["cell_started"]
    time: float
    step: str
    path: Optional[str]
    count: int  # its place in this run of the notebook, 1-based: the execution count
    total: int  # cells this run of the notebook runs


class CellFinished(EventCell, _Sequenced):
    type: Literal["cell_finished"]
    time: float
    step: str
    path: Optional[str]
    count: int
    status: CellStatus
    seconds: float
    error: Optional[CellError]  # None when the cell ended OK (or stopped the job on purpose)


class Report(_Sequenced):
    """The executed notebook of a notebook step was written to `file`."""

    type: Literal["report"]
    time: float
    step: str
    step_type: str
    path: Optional[str]
    notebook: str
    file: str


class StepFinished(_Sequenced):
    type: Literal["step_finished"]
    time: float
    step: str
    step_type: str
    path: Optional[str]
    status: StepStatus
    error: Optional[StepError]
    cell: Optional[CellRef]  # where a notebook step failed at a cell


class JobFailed(_Sequenced):
    """The job failed outside any step (its database could not be reached before the first
    step, say): why, for a run that has no failed step to show it on."""

    type: Literal["job_failed"]
    time: float
    ename: str
    message: str


class Database(TypedDict):
    """The database local runs of the job use (job/local_database.py, LocalDatabase.as_json)."""

    type: Optional[str]
    file: Optional[str]
    default: bool
    message: Optional[str]
    label: Optional[str]  # "PostgreSQL at host:port/dbname", "SQLite file ..." (no password)


class FailedStep(TypedDict):
    name: str
    step_type: str
    path: Optional[str]
    error: Optional[StepError]
    status: StepStatus
    cell: Optional[CellRef]


class FailedCell(TypedDict):
    """The cell the run failed at, for the browser to bring into view with its error."""

    path: Optional[str]
    step: str
    index: Optional[int]
    id: Optional[str]
    number: Optional[int]
    line: Optional[int]
    status: Union[CellStatus, StepStatus]  # the cell's, or the step's when no cell ended
    ename: Optional[str]
    evalue: Optional[str]
    message: Optional[str]  # what, where (the user's own frames) and what to do
    traceback: Optional[str]  # the whole traceback, library frames included (None: none)


class ReportRef(TypedDict):
    step: str
    path: Optional[str]
    notebook: str
    file: str


class RunResult(TypedDict):
    """How the run ended (run_finished.result, and `result` of GET runs/<id>)."""

    status: RunStatus
    exit_code: int
    seconds: float
    message: str
    failed_step: Optional[FailedStep]
    failed_cell: Optional[FailedCell]
    reports: list[ReportRef]
    database: Database


class RunFinished(_Sequenced):
    """Added by the server when `vdk run` has ended: always the last event of a run."""

    type: Literal["run_finished"]
    time: float
    result: RunResult


RunEvent = Union[RunStarted, StepStarted, CellStarted, CellFinished, Report, StepFinished,
                 JobFailed, RunFinished]

# Each kind of event by its `type`.
_KIND_OF: dict = {get_args(kind.__annotations__["type"])[0]: kind for kind in get_args(RunEvent)}
EVENT_KINDS: frozenset = frozenset(_KIND_OF)


def is_event(value: object) -> bool:
    """`value` (a line read with json.loads) is a run event with every field of its kind: what
    the server checks before it takes an event in, so that reading one never fails later."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return False
    kind = _KIND_OF.get(value["type"])
    return kind is not None and kind.__required_keys__ <= value.keys()
