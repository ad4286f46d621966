"""A run's result, as the notebook shows it: status from the exit code, where it failed, reports.

Built from the run's events (vdk_run/events.py) once the process has ended. The status is the
job's exit code, never the HTTP status of anything; the events only say where and why.
"""
from __future__ import annotations

import json
import pathlib
import time
from typing import Any
from typing import Optional


def run_result(run: Any, exit_code: int) -> dict[str, Any]:
    events = run.events
    failed_step = _failed_step(events)
    failed_cell = _failed_cell(events, failed_step)
    if failed_cell is not None and failed_cell["index"] is None and failed_cell["number"]:
        failed_cell["index"] = _index_of(run.root, failed_cell["path"], failed_cell["number"])
    if exit_code == 0:
        status = "succeeded"
    elif run.stop_requested:
        status = "stopped"
    else:
        status = "failed"
    reports = [{"step": e.get("step"), "path": e.get("path"), "notebook": e.get("notebook"),
                "file": e.get("file")} for e in events if e.get("type") == "report"]
    return {
        "status": status,
        "exit_code": exit_code,
        "seconds": round(time.time() - run.started, 3),
        "message": _message(run.job.name, status, exit_code, failed_step, failed_cell,
                            time.time() - run.started, run.database.label, _job_failed(events)),
        "failed_step": failed_step if status != "succeeded" else None,
        "failed_cell": failed_cell if status != "succeeded" else None,
        "reports": reports,
        "database": run.database.as_json(),
    }


def _failed_step(events: list[dict]) -> Optional[dict[str, Any]]:
    for event in events:
        if event.get("type") == "step_finished" and event.get("status") in ("failed", "interrupted"):
            return {"name": event.get("step"), "step_type": event.get("step_type"),
                    "path": event.get("path"), "error": event.get("error"),
                    "status": event.get("status"), "cell": event.get("cell")}
    return None


def _failed_cell(events: list[dict], step: Optional[dict]) -> Optional[dict[str, Any]]:
    """The cell the failing notebook step ended at: its last cell event with an error, with the
    line from the step's error (the engine's, which points into the cell's own code)."""
    if step is None or step.get("step_type") != "notebook":
        return None
    finished = [e for e in events if e.get("type") == "cell_finished" and e.get("step") == step["name"]
                and e.get("error") is not None and e.get("status") != "expected-error"]
    located = step.get("cell") or {}
    error = step.get("error") or {}
    if not finished and not located:
        return None  # the notebook could not be prepared: the step's error says why
    last = finished[-1] if finished else {}
    return {
        "path": step.get("path"), "step": step["name"],
        "index": last.get("index"), "id": last.get("id", located.get("id")),
        "number": last.get("number", located.get("number")), "line": located.get("line"),
        "status": last.get("status", "failed"),
        "ename": (last.get("error") or {}).get("ename") or error.get("ename"),
        "evalue": (last.get("error") or {}).get("evalue") or error.get("evalue"),
        "message": error.get("message"),
        "traceback": error.get("traceback"),
    }


def _job_failed(events: list[dict]) -> Optional[str]:
    """Why the job failed, as vdk_run/events.py said it (for a failure outside any step)."""
    for event in events:
        if event.get("type") == "job_failed" and isinstance(event.get("message"), str):
            return event["message"]
    return None


def _message(job: str, status: str, exit_code: int, step: Optional[dict], cell: Optional[dict],
             seconds: float, database: Optional[str] = None, why: Optional[str] = None) -> str:
    if status == "succeeded":
        against = f", database: {database}" if database else ""
        return f"Data job '{job}' succeeded in {seconds:.1f} s{against}."
    prefix = f"Data job '{job}' was stopped" if status == "stopped" else f"Data job '{job}' failed"
    if cell is not None and cell.get("status") == "interrupted":
        return f"{prefix} at {step['name']}, code cell {cell['number']}."
    if cell is not None:
        where = f"{step['name']}, code cell {cell['number']}" + (f", line {cell['line']}" if cell.get("line") else "")
        return f"{prefix} at {where}: {cell['ename']}: {cell['evalue']}"
    if step is not None:
        error = step.get("error") or {}
        return f"{prefix} at step {step['name']}: {error.get('ename')}: {error.get('evalue')}"
    if why:
        return f"{prefix} before its first step: {why}"
    return f"{prefix} (exit code {exit_code}) before any step ended; the log says why."


def _index_of(root: pathlib.Path, path: Optional[str], number: int) -> Optional[int]:
    """The index among all cells of code cell `number`, for a cell that failed before it ran (it
    did not compile): no cell event carried it. From the file as `vdk run` read it."""
    if path is None:
        return None
    try:
        cells = json.loads((root / path).read_text(encoding="utf-8"))["cells"]
        code = [index for index, cell in enumerate(cells) if cell.get("cell_type") == "code"]
        return code[number - 1]
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
