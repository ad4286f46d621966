"""What `vdk repair` hands to the run it starts, and what the run record keeps while the job runs:
keys of vdk-core's state store, cheap to import (hooks.py reads them on every job)."""
from __future__ import annotations

from typing import Any

from vdk.internal.core.statestore import StoreKey

# Set by `vdk repair` (cli/repair.py) before it invokes vdk-core's run command: the plan's JSON
# (job_record.Plan.as_json()). The steps it skips are taken out of the run when the job starts.
REPAIR_PLAN = StoreKey[dict]("vdk-jupyter.repair-plan")

# The run's recorder (run_recording.Recorder) once the job has started; absent when no record
# is kept (a cloud run, an unwritable data folder, a template run).
RECORDER = StoreKey[Any]("vdk-jupyter.run-recorder")


def set_repair_plan(core_context: Any, plan: dict) -> None:
    core_context.state.set(REPAIR_PLAN, plan)
