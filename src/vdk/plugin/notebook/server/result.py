"""A run's result, as the notebook shows it: status from the exit code, where it failed, reports.

Built from the run's events (vdk_run/events.py) once the process has ended. The status is the
job's exit code, never the HTTP status of anything; the events only say where and why.
"""
from __future__ import annotations

import time
from typing import Optional
from typing import Sequence

from vdk.plugin.notebook.job.run_events import CellFinished
from vdk.plugin.notebook.job.run_events import CellStatus
from vdk.plugin.notebook.job.run_events import FailedCell
from vdk.plugin.notebook.job.run_events import FailedStep
from vdk.plugin.notebook.job.run_events import ReportRef
from vdk.plugin.notebook.job.run_events import Database
from vdk.plugin.notebook.job.run_events import RunEvent
from vdk.plugin.notebook.job.run_events import RunResult
from vdk.plugin.notebook.job.run_events import RunStatus
from vdk.plugin.notebook.job.run_events import StepStatus


def run_result(events: Sequence[RunEvent], exit_code: int, *, job_name: str, started: float,
               stop_requested: bool, database: Database) -> RunResult:
    """The result of a run that ended with `exit_code`, from its `events` alone."""
    failed_step = _failed_step(events)
    failed_cell = _failed_cell(events, failed_step)
    if exit_code == 0:
        status = RunStatus.SUCCEEDED
    elif stop_requested:
        status = RunStatus.STOPPED
    else:
        status = RunStatus.FAILED
    reports = [ReportRef(step=e["step"], path=e["path"], notebook=e["notebook"], file=e["file"])
               for e in events if e["type"] == "report"]
    seconds = time.time() - started
    return RunResult(
        status=status,
        exit_code=exit_code,
        seconds=round(seconds, 3),
        message=_message(job_name, status, exit_code, failed_step, failed_cell, seconds,
                         database["label"], _job_failed(events)),
        failed_step=failed_step if status is not RunStatus.SUCCEEDED else None,
        failed_cell=failed_cell if status is not RunStatus.SUCCEEDED else None,
        reports=reports,
        database=database,
    )


def _failed_step(events: Sequence[RunEvent]) -> Optional[FailedStep]:
    for event in events:
        if event["type"] == "step_finished" and event["status"] in (StepStatus.FAILED,
                                                                    StepStatus.INTERRUPTED):
            return FailedStep(name=event["step"], step_type=event["step_type"],
                              path=event["path"], error=event["error"], status=event["status"],
                              cell=event.get("cell"))
    return None


def _failed_cell(events: Sequence[RunEvent], step: Optional[FailedStep]) -> Optional[FailedCell]:
    """The cell the failing notebook step ended at: its last cell event with an error, with the
    line from the step's error (the engine's, which points into the cell's own code)."""
    if step is None or step["step_type"] != "notebook":
        return None
    finished: list[CellFinished] = [
        e for e in events if e["type"] == "cell_finished" and e["step"] == step["name"]
        and e["error"] is not None and e["status"] != CellStatus.EXPECTED_ERROR]
    located = step["cell"]
    error = step["error"]
    if not finished and not located:
        return None  # the notebook could not be prepared: the step's error says why
    if finished:
        last = finished[-1]
        cell_error = last["error"]
        return FailedCell(
            path=step["path"], step=step["name"], index=last["index"], id=last["id"],
            number=last["number"], line=located["line"] if located else None,
            status=last["status"],
            ename=(cell_error and cell_error["ename"]) or (error and error["ename"]),
            evalue=(cell_error and cell_error["evalue"]) or (error and error["evalue"]),
            message=error["message"] if error else None,
            traceback=error["traceback"] if error else None)
    assert located is not None
    return FailedCell(  # a cell that never ran (it did not compile): the step's error says it
        path=step["path"], step=step["name"], index=located["index"], id=located["id"],
        number=located["number"], line=located["line"], status=StepStatus.FAILED,
        ename=error["ename"] if error else None, evalue=error["evalue"] if error else None,
        message=error["message"] if error else None,
        traceback=error["traceback"] if error else None)


def _job_failed(events: Sequence[RunEvent]) -> Optional[str]:
    """Why the job failed, as vdk_run/events.py said it (for a failure outside any step)."""
    for event in events:
        if event["type"] == "job_failed":
            return event["message"]
    return None


def _message(job: str, status: RunStatus, exit_code: int, step: Optional[FailedStep],
             cell: Optional[FailedCell], seconds: float, database: Optional[str] = None,
             why: Optional[str] = None) -> str:
    if status is RunStatus.SUCCEEDED:
        against = f", database: {database}" if database else ""
        return f"Data job '{job}' succeeded in {seconds:.1f} s{against}."
    prefix = f"Data job '{job}' was stopped" if status is RunStatus.STOPPED else f"Data job '{job}' failed"
    if step is not None and cell is not None and cell["status"] == CellStatus.INTERRUPTED:
        return f"{prefix} at {step['name']}, code cell {cell['number']}."
    if step is not None and cell is not None:
        where = f"{step['name']}, code cell {cell['number']}" + (f", line {cell['line']}" if cell["line"] else "")
        return f"{prefix} at {where}: {cell['ename']}: {cell['evalue']}"
    if step is not None:
        error = step["error"]
        return (f"{prefix} at step {step['name']}: {error['ename'] if error else None}: "
                f"{error['evalue'] if error else None}")
    if why:
        return f"{prefix} before its first step: {why}"
    return f"{prefix} (exit code {exit_code}) before any step ended; the log says why."
