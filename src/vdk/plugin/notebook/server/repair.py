"""`POST repair-plan`, and the `repair` member of `POST runs`: JupyterLab's Repair run, Run from
this notebook and Run this notebook only.

The plan is job/run_record.py's `repair_plan`, the function `vdk repair` prints, so what the
dialog shows is what the run does: the server then runs `vdk repair` with the same selection
(runs.py), and that command plans again from the same record and files.
"""
from __future__ import annotations

import pathlib
from typing import Any
from typing import Optional

from vdk.plugin.notebook.job.repair_plan import PlanError
from vdk.plugin.notebook.job.repair_plan import UnknownStep
from vdk.plugin.notebook.job.repair_plan import repair_plan
from vdk.plugin.notebook.server.paths import ApiError
from vdk.plugin.notebook.server.paths import Job
from vdk.plugin.notebook.server.paths import job_for_run


def selection(value: Any) -> Optional[dict[str, Any]]:
    """`repair` of a request: absent/null (a plain run), {} (repair the last run),
    {"from_step": STEP} or {"steps": [STEP, ...]}."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"from_step", "steps"}:
        raise ApiError(400, "'repair' must be {} (repair the last run), {\"from_step\": STEP} or "
                            "{\"steps\": [STEP, ...]}.")
    from_step, steps = value.get("from_step"), value.get("steps")
    if from_step is not None and not isinstance(from_step, str):
        raise ApiError(400, "'repair.from_step' must be a step's file name, such as 30_model.ipynb.")
    if steps is not None and not (isinstance(steps, list) and steps
                                  and all(isinstance(s, str) for s in steps)):
        raise ApiError(400, "'repair.steps' must be a non-empty list of step file names.")
    if from_step is not None and steps is not None:
        raise ApiError(400, "Give either 'repair.from_step' or 'repair.steps', not both.")
    return {"from_step": from_step, "steps": steps or []}


def plan_for(job: Job, arguments: Optional[dict], chosen: dict[str, Any]) -> dict[str, Any]:
    """The plan as JSON; a job that cannot be repaired is a 409 (no run on record, running now),
    an unknown step a 400, both with the message `vdk repair` prints."""
    try:
        plan = repair_plan(job.directory, arguments, chosen["from_step"], chosen["steps"])
    except UnknownStep as e:
        raise ApiError(400, str(e)) from None
    except PlanError as e:
        raise ApiError(409, str(e)) from None
    return plan.as_json()


def plan_answer(root: pathlib.Path, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, 'The body must be a JSON object: {"path": ..., "arguments": {...}}.')
    arguments = body.get("arguments")
    if arguments is not None and not isinstance(arguments, dict):
        raise ApiError(400, "'arguments' must be a JSON object such as {\"day\": \"2026-11-25\"}.")
    job = job_for_run(root, body.get("path"))
    chosen = selection(body.get("repair") if "repair" in body else {}) or {"from_step": None, "steps": []}
    return {"job": job.as_json(with_database=False), "plan": plan_for(job, arguments, chosen)}
