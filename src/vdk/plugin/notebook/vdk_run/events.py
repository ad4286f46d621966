"""Progress events of a `vdk run` started from JupyterLab, one JSON object a line.

The Jupyter server extension (server/runs.py) starts `vdk run` with
VDK_NOTEBOOK_EVENTS_FILE naming a file, and tails it: that is how the notebook shows which step
and cell run, and which cell failed and why, as it happens, without parsing the log. What each
event holds is job/run_events.py's (this module only fills it in). Loaded only when that variable
is set (hooks.vdk_start), so other runs pay nothing.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import time
from typing import Optional
from typing import TextIO

from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.builtin_plugins.run.run_status import ExecutionStatus
from vdk.internal.builtin_plugins.run.step import Step

from vdk.plugin.notebook.engine.cells import code_cell_indices
from vdk.plugin.notebook.engine.compiler import CompiledCell
from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.errors import error_text
from vdk.plugin.notebook.engine.outcome import CellListener
from vdk.plugin.notebook.engine.outcome import CellResult
from vdk.plugin.notebook.engine.outcome import CellStatus
from vdk.plugin.notebook.job.run_events import EVENTS_FILE_VARIABLE
from vdk.plugin.notebook.job.run_events import CellError
from vdk.plugin.notebook.job.run_events import CellFinished
from vdk.plugin.notebook.job.run_events import CellRef
from vdk.plugin.notebook.job.run_events import CellStarted
from vdk.plugin.notebook.job.run_events import EventCell
from vdk.plugin.notebook.job.run_events import JobFailed
from vdk.plugin.notebook.job.run_events import Report
from vdk.plugin.notebook.job.run_events import RunEvent
from vdk.plugin.notebook.job.run_events import StepError
from vdk.plugin.notebook.job.run_events import StepFinished
from vdk.plugin.notebook.job.run_events import StepStarted
from vdk.plugin.notebook.job.run_events import StepStatus
from vdk.plugin.notebook.vdk_run.step import NotebookStep
from vdk.plugin.notebook.vdk_run.vdk_errors import NotebookStepError

log = logging.getLogger(__name__)


def emit(event: RunEvent) -> None:
    """Append one event; flushed at once, since the server reads it while the job runs."""
    global _out
    if _out is None:
        return
    line = json.dumps(event, default=str)
    try:
        _out.write(line + "\n")
    except OSError:  # the server went away: the job goes on, as it would from a terminal
        _out = None


def _open() -> Optional[TextIO]:
    """Opened when this module is loaded (hooks.vdk_start), before any step or user code runs."""
    # Taken out of the environment: a `vdk run` started by a cell of this job is not followed.
    name = os.environ.pop(EVENTS_FILE_VARIABLE)
    try:
        out = open(name, "a", encoding="utf-8", buffering=1)
    except OSError as e:
        log.warning("Progress events for JupyterLab cannot be written to %s: %s", name, e)
        return None
    # Not handed on to processes the job starts (a `!cmd` line): one left running in the
    # background would keep the pipe open, and the server waiting for its end.
    os.set_inheritable(out.fileno(), False)
    if name.startswith("/dev/fd/"):
        _close_inherited(name, out.fileno())
    return out


def _close_inherited(name: str, kept: int) -> None:
    try:
        fd = int(name[len("/dev/fd/"):])
        if fd != kept:
            os.close(fd)
    except (ValueError, OSError):
        pass


def _interruptible() -> None:
    """Stop sends Ctrl-C (SIGINT) to the run. A Jupyter server started with SIGINT ignored (by
    `cmd &` in a script) hands that on to `vdk run`, which would then ignore Stop until the
    SIGTERM that follows; the run gets Python's default handling back."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


_out = _open()
_interruptible()


# vdk-core's step outcome in the run events' words. Where a later vdk-core adds a status, the
# step counts as failed when it raised, else as succeeded.
_STEP_STATUS = {
    ExecutionStatus.SUCCESS: StepStatus.SUCCEEDED,
    ExecutionStatus.ERROR: StepStatus.FAILED,
    ExecutionStatus.NOT_RUNNABLE: StepStatus.NOT_RUNNABLE,
    ExecutionStatus.SKIP_REQUESTED: StepStatus.SKIPPED,
}


class _CellEvents(CellListener):
    def __init__(self, step: Step, runner: NotebookStep):
        self._step = step.name
        self._path = str(step.file_path)
        self._total = len(runner.notebook.cells)
        self.index_of = dict(enumerate(code_cell_indices(runner.notebook.skeleton["cells"]), start=1))

    def _cell(self, compiled: CompiledCell) -> EventCell:
        cell = compiled.cell
        if cell.injected:
            return EventCell(index=None, id=None, number=None, injected=True)
        return EventCell(index=self.index_of.get(cell.number), id=cell.cell_id,
                         number=cell.number, injected=False)

    def cell_started(self, cell: CompiledCell, count: int) -> None:
        emit(CellStarted(type="cell_started", time=time.time(), step=self._step, path=self._path,
                         count=count, total=self._total, **self._cell(cell)))

    def cell_finished(self, result: CellResult) -> None:
        error = None
        if result.error is not None and result.status is not CellStatus.OK:
            error = CellError(ename=type(result.error).__name__,
                              evalue=error_text(result.error), line=None)
        emit(CellFinished(type="cell_finished", time=time.time(), step=self._step,
                          path=self._path, count=result.count, status=result.status,
                          seconds=round(result.seconds, 6), error=error,
                          **self._cell(result.cell)))


@hookimpl(hookwrapper=True)
def run_step(context: JobContext, step: Step):
    runner = step.runner_func
    listener = None
    if isinstance(runner, NotebookStep):
        listener = _CellEvents(step, runner)
        runner.extra_listeners.append(listener)
    name, step_type, path = step.name, step.type, str(step.file_path)
    emit(StepStarted(type="step_started", time=time.time(), step=name, step_type=step_type,
                     path=path))
    outcome = yield
    if listener is not None:
        runner.extra_listeners.remove(listener)
        _report_event(runner, name, step_type, path)
    if outcome.excinfo is not None:
        failure: Optional[BaseException] = outcome.excinfo[1]
        status = StepStatus.INTERRUPTED
    else:
        result = outcome.get_result()
        failure = getattr(result, "exception", None)
        status = _STEP_STATUS.get(getattr(result, "status", None),
                                  StepStatus.FAILED if failure else StepStatus.SUCCEEDED)
    emit(StepFinished(type="step_finished", time=time.time(), step=name, step_type=step_type,
                      path=path, status=status, error=_error(failure) if failure else None,
                      cell=_failed_cell(failure, listener)))


def _report_event(runner: NotebookStep, step: str, step_type: str, path: str) -> None:
    folder = runner.report.folder.path if runner.report is not None else None
    if folder is None:  # no report written (its folder is made with the first one)
        return
    file = folder / runner.notebook.name
    if file.is_file():
        emit(Report(type="report", time=time.time(), step=step, step_type=step_type, path=path,
                    notebook=runner.notebook.name, file=str(file)))


def _error(error: BaseException) -> StepError:
    """What failed, in the cell's own terms where a notebook cell failed."""
    if isinstance(error, NotebookStepError):
        notebook_error: NotebookError = error.notebook_error
        cause = getattr(notebook_error, "cause", None)
        if cause is not None:
            return StepError(ename=type(cause).__name__, evalue=error_text(cause),
                             message=notebook_error.message(),
                             traceback=getattr(notebook_error, "full_traceback", "") or None)
        return StepError(ename=type(notebook_error).__name__, evalue=notebook_error.what,
                         message=notebook_error.message(), traceback=None)
    return StepError(ename=type(error).__name__, evalue=error_text(error),
                     message=error_text(error), traceback=None)


def _failed_cell(error: Optional[BaseException], cells: Optional[_CellEvents]) -> Optional[CellRef]:
    """The cell a notebook step failed at, with its index in the file: from the cells of the
    prepared notebook, or, for a notebook refused before it ran, from the error (prepare.py)."""
    if not isinstance(error, NotebookStepError):
        return None
    notebook_error = error.notebook_error
    location = notebook_error.location
    if location.cell_number is None:  # the notebook as a whole (unreadable, wrong language)
        return None
    index = notebook_error.cell_index
    if index is None and cells is not None:
        index = cells.index_of.get(location.cell_number)
    return CellRef(number=location.cell_number, index=index, id=location.cell_id,
                   line=location.line)


@hookimpl
def vdk_exception(exception: Exception) -> bool:
    """The reason a run failed, for one that has no failed step to show it on: its database
    could not be reached before the first step (database_check.py), say. Not handled here:
    vdk-core reports it as usual."""
    from vdk.plugin.notebook.vdk_run.database_check import DatabaseUnreachableError

    message = exception.message if isinstance(exception, DatabaseUnreachableError) else error_text(exception)
    emit(JobFailed(type="job_failed", time=time.time(), ename=type(exception).__name__,
                   message=message))
    return False
