"""Writing the run record (job/run_record.py) of a local `vdk run`, and applying the plan of a
`vdk repair` to the steps vdk-core found.

hooks.py calls `begin` at the end of initialize_job (after the notebook steps are in the list) and
hands the outcomes of run_step and run_job to `step_ended` and `job_ended`. Skipped steps are taken out of
the live list before vdk-core's run loop sees them (the loop stops at a step reporting
skip_requested, so a skipped step cannot be run as one) and put back into the execution result
after it, as SKIP_REQUESTED with the reason, so VDK's step summary lists them as skipped.
Recording never fails a job: an unwritable record is a warning.
"""
from __future__ import annotations

import datetime
import logging
import os
import pathlib
import socket
from typing import Any
from typing import Callable
from typing import Optional

from vdk.internal.builtin_plugins.run.execution_results import StepResult
from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.builtin_plugins.run.run_status import ExecutionStatus
from vdk.internal.builtin_plugins.run.step import Step

from vdk.plugin.notebook.job import run_record
from vdk.plugin.notebook.vdk_run.state_keys import RECORDER
from vdk.plugin.notebook.vdk_run.state_keys import REPAIR_PLAN

log = logging.getLogger(__name__)

SKIPPED_BY_REPAIR = "skipped by vdk repair: "


class Recorder:
    """One run's record: written whole at the start (`save`), each change after that appended
    to it (`_change`), as job/run_record.py keeps it."""

    def __init__(self, folder: Optional[pathlib.Path], record: dict[str, Any]):
        self.folder = folder
        self.record = record
        self.skipped: list[tuple[int, Step, str]] = []  # (position, step, reason)
        self.by_name = {entry["name"]: entry for entry in record["steps"]}

    def save(self) -> None:
        self._write(lambda folder: run_record.write_record(folder, self.record))

    def step_started(self, name: str) -> None:
        self._step_change(name, outcome=run_record.RUNNING, started=run_record.now_text())

    def step_finished(self, name: str, outcome: str, **details: Any) -> None:
        self._step_change(name, outcome=outcome, ended=run_record.now_text(),
                          **{k: v for k, v in details.items() if v is not None})

    def finish(self, status: str) -> None:
        if self.record["status"] != run_record.RUNNING:
            return
        change = {"status": status, "ended": run_record.now_text()}
        self.record.update(change)
        self._append(change)

    def _step_change(self, name: str, **fields: Any) -> None:
        entry = self.by_name.get(name)
        if entry is not None:
            entry.update(fields)
            self._append({"step": name, **fields})

    def _append(self, change: dict[str, Any]) -> None:
        self._write(lambda folder: run_record.append_change(folder, self.record["run_id"], change))

    def _write(self, write: Callable[[pathlib.Path], Any]) -> None:
        if self.folder is None:
            return
        try:
            write(self.folder)
        except OSError as e:
            log.warning("The run record cannot be written to %s (%s): vdk repair will not know "
                        "this run.", self.folder, e)
            self.folder = None


def begin(context: JobContext) -> None:
    """Start the record, and take the steps a repair skips out of the run."""
    from vdk.internal.builtin_plugins.run.execution_state import ExecutionStateStoreKeys

    state = context.core_context.state
    if state.get(ExecutionStateStoreKeys.TEMPLATE_NAME):
        return  # a template run inside a step: part of that step, neither recorded nor repaired
    plan = state.get(REPAIR_PLAN)
    steps = context.step_builder.get_steps()
    job_dir = pathlib.Path(context.job_directory)
    arguments = context.job_args.get_arguments() if context.job_args else None
    record = {
        "version": run_record.RECORD_VERSION,
        "run_id": run_record.new_run_id(),
        "job": context.name,
        "job_directory": str(job_dir.resolve()),
        "kind": "repair" if plan else "run",
        "repairs": plan.get("repairs") if plan else None,
        "selection": {"mode": plan.get("mode"), "chosen": plan.get("chosen")} if plan else None,
        "arguments": run_record.arguments_fingerprint(arguments),
        "status": run_record.RUNNING,
        "started": run_record.now_text(),
        "ended": None,
        "pid": os.getpid(),
        "pid_start": run_record.process_start(os.getpid()),
        "host": socket.gethostname(),
        "steps": [{"name": step.name, "type": step.type,
                   "file": step.file_path.name if step.file_path else None,
                   "fingerprint": _fingerprint(step),
                   "outcome": run_record.NOT_RUN} for step in steps],
    }
    recorder = Recorder(_folder(job_dir), record)
    if plan:
        skips = {entry["name"]: entry["reason"] for entry in plan["steps"] if entry["action"] == "skip"}
        for position, step in enumerate(list(steps)):
            if step.name in skips:
                recorder.skipped.append((position, step, skips[step.name]))
                recorder.by_name[step.name].update(outcome=run_record.SKIPPED, reason=skips[step.name])
        steps[:] = [step for step in steps if step.name not in skips]
        unplanned = [step.name for step in steps if step.name not in {e["name"] for e in plan["steps"]}]
        if unplanned:
            log.warning("Steps not in the repair's plan run as in vdk run: %s", ", ".join(unplanned))
    if recorder.folder is not None:
        run_record.prune_records(recorder.folder, run_record.KEPT_RECORDS - 1)
    recorder.save()
    state.set(RECORDER, recorder)


def _fingerprint(step: Step) -> Optional[str]:
    """A notebook step's from the notebook the run prepared (reading it again would double the
    start-up cost of a large notebook, and fail as reading it failed); other steps' from their
    file."""
    runner = step.runner_func  # step.py and step_list.py are not imported by jobs without notebooks
    if getattr(runner, "notebook", None) is not None:  # a NotebookStep
        return runner.notebook.fingerprint
    if getattr(runner, "error", None) is not None:  # a notebook refused at start: it failed
        return None
    return run_record.file_fingerprint(step.file_path)


def _folder(job_dir: pathlib.Path) -> Optional[pathlib.Path]:
    """Where this run's record goes; None in the Control Service's job container (cloud runs
    keep no record) or where the folder cannot be made."""
    if not run_record.recording_wanted():
        return None
    folder = run_record.records_folder(job_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        log.warning("No run record is kept for this run: %s cannot be created (%s).", folder, e)
        return None
    return folder if os.access(folder, os.W_OK) else None


def step_ended(recorder: Recorder, step: Step, outcome: Any) -> None:
    """The step's outcome (pluggy's, from hooks.run_step) into the record."""
    if outcome.excinfo is not None:
        error = outcome.excinfo[1]
        recorder.step_finished(step.name, run_record.INTERRUPTED if isinstance(error, KeyboardInterrupt)
                               else run_record.FAILED, error=_error_text(error))
        return
    result = outcome.get_result()
    status = getattr(result, "status", None)
    if status == ExecutionStatus.ERROR:
        error = getattr(result, "exception", None)
        recorder.step_finished(step.name, run_record.FAILED, error=_error_text(error),
                               failed_cell=_failed_cell(error))
    elif status == ExecutionStatus.SKIP_REQUESTED:
        recorder.step_finished(step.name, run_record.SUCCEEDED, note="skip_remaining_steps() called")
        for entry in recorder.record["steps"]:
            if entry["outcome"] == run_record.NOT_RUN:
                entry.update(outcome=run_record.SKIPPED, by_job=True,
                             reason=f"{step.name} called skip_remaining_steps()")
        recorder.save()
    else:
        note = "not runnable" if status == ExecutionStatus.NOT_RUNNABLE else None
        recorder.step_finished(step.name, run_record.SUCCEEDED, note=note)


def job_ended(recorder: Recorder, outcome: Any) -> None:
    """After hooks.run_job: the skipped steps back into the result, the record finished."""
    if outcome.excinfo is not None:
        interrupted = isinstance(outcome.excinfo[1], KeyboardInterrupt)
        recorder.finish(run_record.INTERRUPTED if interrupted else run_record.FAILED)
        return
    result = outcome.get_result()
    if recorder.skipped and result is not None:
        result.steps_list[:] = _with_skipped(result.steps_list, recorder.skipped)
    failed = result is None or result.status == ExecutionStatus.ERROR
    interrupted = failed and isinstance(getattr(result, "exception", None), KeyboardInterrupt)
    recorder.finish(run_record.INTERRUPTED if interrupted else
                    run_record.FAILED if failed else run_record.SUCCEEDED)


def _with_skipped(results: list, skipped: list[tuple[int, Step, str]]) -> list:
    """The step results in the job's order, a skipped step's result at its place."""
    now = datetime.datetime.utcnow()
    merged = list(results)
    for position, step, reason in skipped:  # in increasing position
        merged.insert(min(position, len(merged)), StepResult(
            name=step.name, type=step.type, start_time=now, end_time=now,
            status=ExecutionStatus.SKIP_REQUESTED, details=SKIPPED_BY_REPAIR + reason))
    return merged


def _error_text(error: Optional[BaseException]) -> Optional[str]:
    if error is None:
        return None
    from vdk.plugin.notebook.vdk_run.vdk_errors import NotebookStepError

    if isinstance(error, NotebookStepError):  # the cell's own error, not VDK's wrapping of it
        error = getattr(error.notebook_error, "cause", None) or error
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def _failed_cell(error: Optional[BaseException]) -> Optional[dict[str, Any]]:
    from vdk.plugin.notebook.vdk_run.vdk_errors import NotebookStepError

    if not isinstance(error, NotebookStepError):
        return None
    location = error.notebook_error.location
    if location.cell_number is None:
        return None
    return {"number": location.cell_number, "id": location.cell_id, "line": location.line}
