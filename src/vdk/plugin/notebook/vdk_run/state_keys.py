"""The keys of vdk-core's state store this plugin sets and reads, in one small module: hooks.py
reads them on every job. What `vdk repair` hands to the run it starts, the run record kept while
the job runs, and the mark of the job behind a Jupyter kernel."""
from __future__ import annotations

from typing import Any

from vdk.internal.core.statestore import StoreKey

# Set by `vdk repair` (cli/repair.py) before it invokes vdk-core's run command: the plan's JSON
# (job_record.Plan.as_json()). The steps it skips are taken out of the run when the job starts.
REPAIR_PLAN = StoreKey[dict]("vdk-jupyter.repair-plan")

# The run's recorder (run_recording.Recorder) once the job has started; absent when no record
# is kept (a cloud run, an unwritable data folder, a template run).
RECORDER = StoreKey[Any]("vdk-jupyter.run-recorder")


# Set in the job behind a Jupyter kernel's job_input (standalone.KernelJobMarker). That job runs
# no steps, and the notebooks beside it may be half-written, so they are not prepared there.
KERNEL_JOB = StoreKey[bool]("vdk-jupyter.kernel-job")


def set_repair_plan(core_context: Any, plan: dict) -> None:
    core_context.state.set(REPAIR_PLAN, plan)
