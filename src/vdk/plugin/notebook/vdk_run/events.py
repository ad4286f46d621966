"""Progress events of a `vdk run` started from JupyterLab, one JSON object a line.

The Jupyter server extension (server/runs.py) starts `vdk run` with
VDK_NOTEBOOK_EVENTS_FILE naming a file, and tails it: that is how the notebook shows which step
and cell run, and which cell failed and why, as it happens, without parsing the log. Loaded only
when that variable is set (hooks.vdk_start), so other runs pay nothing.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import time
from typing import Any
from typing import Optional
from typing import TextIO

from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.builtin_plugins.run.step import Step

from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.errors import error_text
from vdk.plugin.notebook.engine.outcome import CellListener
from vdk.plugin.notebook.engine.outcome import CellResult
from vdk.plugin.notebook.job.run_events import EVENTS_FILE_VARIABLE
from vdk.plugin.notebook.vdk_run.step import NotebookStep
from vdk.plugin.notebook.vdk_run.vdk_errors import NotebookStepError

log = logging.getLogger(__name__)


def emit(kind: str, **fields: Any) -> None:
    """Append one event; flushed at once, since the server reads it while the job runs."""
    global _out
    if _out is None:
        return
    line = json.dumps({"type": kind, "time": time.time(), **fields}, default=str)
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


class _CellEvents(CellListener):
    def __init__(self, step: Step, runner: NotebookStep):
        self._step = step.name
        self._path = str(step.file_path)
        self._total = len(runner.notebook.cells)
        code = [i for i, cell in enumerate(runner.notebook.skeleton["cells"])
                if cell["cell_type"] == "code"]
        self._index_of = dict(enumerate(code, start=1))

    def _cell(self, compiled: Any) -> dict[str, Any]:
        cell = compiled.cell
        if cell.injected:
            return {"index": None, "id": None, "number": None, "injected": True}
        return {"index": self._index_of.get(cell.number), "id": cell.cell_id,
                "number": cell.number, "injected": False}

    def cell_started(self, cell: Any, count: int) -> None:
        emit("cell_started", step=self._step, path=self._path, count=count, total=self._total,
             **self._cell(cell))

    def cell_finished(self, result: CellResult) -> None:
        error = None
        if result.error is not None and result.status.value != "ok":
            error = {"ename": type(result.error).__name__, "evalue": error_text(result.error),
                     "line": None}
        emit("cell_finished", step=self._step, path=self._path, count=result.count,
             status=result.status.value, seconds=round(result.seconds, 6), error=error,
             **self._cell(result.cell))


@hookimpl(hookwrapper=True)
def run_step(context: JobContext, step: Step):
    runner = step.runner_func
    listener = None
    if isinstance(runner, NotebookStep):
        listener = _CellEvents(step, runner)
        runner.extra_listeners.append(listener)
    common = {"step": step.name, "step_type": step.type, "path": str(step.file_path)}
    emit("step_started", **common)
    outcome = yield
    if listener is not None:
        runner.extra_listeners.remove(listener)
        _report_event(runner, common)
    if outcome.excinfo is not None:
        emit("step_finished", status="interrupted", error=_error(outcome.excinfo[1]), **common)
        return
    result = outcome.get_result()
    status = str(getattr(result.status, "value", result.status)) if result is not None else "?"
    status = {"success": "succeeded", "error": "failed", "not_runnable": "not-runnable",
              "skip_requested": "skipped"}.get(status, status)
    failure = getattr(result, "exception", None)
    emit("step_finished", status=status, error=_error(failure) if failure else None,
         cell=_failed_cell(failure), **common)


def _report_event(runner: NotebookStep, common: dict) -> None:
    folder = runner.report.folder.path if runner.report is not None else None
    if folder is None:  # no report written (its folder is made with the first one)
        return
    file = folder / runner.notebook.name
    if file.is_file():
        emit("report", notebook=runner.notebook.name, file=str(file), **common)


def _error(error: BaseException) -> dict[str, Any]:
    """What failed, in the cell's own terms where a notebook cell failed."""
    if isinstance(error, NotebookStepError):
        notebook_error: NotebookError = error.notebook_error
        cause = getattr(notebook_error, "cause", None)
        if cause is not None:
            return {"ename": type(cause).__name__, "evalue": error_text(cause),
                    "message": notebook_error.message(),
                    "traceback": getattr(notebook_error, "full_traceback", "") or None}
        return {"ename": type(notebook_error).__name__, "evalue": notebook_error.what,
                "message": notebook_error.message()}
    return {"ename": type(error).__name__, "evalue": error_text(error),
            "message": error_text(error)}


def _failed_cell(error: Optional[BaseException]) -> Optional[dict[str, Any]]:
    if not isinstance(error, NotebookStepError):
        return None
    location = error.notebook_error.location
    if location.cell_number is None:  # the notebook as a whole (unreadable, wrong language)
        return None
    return {"number": location.cell_number, "id": location.cell_id, "line": location.line}


@hookimpl
def vdk_exception(exception: Exception) -> bool:
    """The reason a run failed, for one that has no failed step to show it on: its database
    could not be reached before the first step (database_check.py), say. Not handled here:
    vdk-core reports it as usual."""
    from vdk.plugin.notebook.vdk_run.database_check import DatabaseUnreachableError

    message = exception.message if isinstance(exception, DatabaseUnreachableError) else error_text(exception)
    emit("job_failed", ename=type(exception).__name__, message=message)
    return False
