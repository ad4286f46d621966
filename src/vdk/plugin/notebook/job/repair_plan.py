"""What a repair does with each step of a job, and why: planned from the job's run records
(run_record.py) and its files, by one function that `vdk repair` and JupyterLab's Repair run
share. Imported only to plan a repair, not by every `vdk run`."""
from __future__ import annotations

import contextlib
import errno
import os
import pathlib
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Iterator
from typing import Mapping
from typing import Optional
from typing import Sequence

from vdk.plugin.notebook.job.notebooks import find_notebooks
from vdk.plugin.notebook.job.run_record import FAILED
from vdk.plugin.notebook.job.run_record import INTERRUPTED
from vdk.plugin.notebook.job.run_record import RUNNING
from vdk.plugin.notebook.job.run_record import SKIPPED
from vdk.plugin.notebook.job.run_record import SUCCEEDED
from vdk.plugin.notebook.job.run_record import arguments_fingerprint
from vdk.plugin.notebook.job.run_record import file_fingerprint
from vdk.plugin.notebook.job.run_record import read_records
from vdk.plugin.notebook.job.run_record import records_folder
from vdk.plugin.notebook.job.run_record import shown_time

class PlanError(Exception):
    """A repair that cannot be planned: what is wrong and what to do."""


class UnknownStep(PlanError):
    """A step name the job does not have."""


class RepairBusy(Exception):
    """Another repair of the same job holds its lock."""


@dataclass(frozen=True)
class JobStep:
    """A step as `vdk run` finds it: name, and its file (None for steps without one)."""

    name: str
    file: Optional[pathlib.Path]


def job_steps(job_dir: pathlib.Path) -> list[JobStep]:
    """The steps `vdk run` runs, in its order: top-level .sql and .py files (as vdk-core lists
    them) and notebooks (as this plugin does), by file name."""
    from vdk.plugin.notebook.engine.errors import shown  # named as vdk run names notebook steps

    files = [p for p in job_dir.iterdir() if p.name.lower().endswith((".sql", ".py"))]
    files += find_notebooks(job_dir)
    return [JobStep(shown(p.name), p) for p in sorted(files, key=lambda p: p.name)]


@contextlib.contextmanager
def repair_lock(job_dir: pathlib.Path, environ: Optional[Mapping[str, str]] = None) -> Iterator[None]:
    """Held for the whole of a repair: a second repair of the same job is refused (RepairBusy)
    instead of interleaving its steps with the first. The operating system releases the lock
    when the process ends, however it ends."""
    import fcntl

    folder = records_folder(job_dir, environ)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / "repair.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            holder = os.pread(fd, 64, 0).decode("utf-8", "replace").strip() or "another process"
            raise RepairBusy(
                f"Another repair of data job '{job_dir.name}' is running ({holder}). Wait for it "
                "to end, then run vdk repair again: two repairs at once would interleave their "
                "steps."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(fd)



# ----------------------------------------------------------------------------- the plan


@dataclass
class PlannedStep:
    name: str
    action: str  # "run" or "skip"
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "action": self.action, "reason": self.reason}


@dataclass
class Plan:
    """What a repair does with each step of the job, and why."""

    job: str
    steps: list[PlannedStep]
    repairs: Optional[str]  # the run id of the run repaired (the job's last run)
    summary: str
    mode: str = "repair"  # repair | from-step | step
    chosen: list[str] = field(default_factory=list)

    @property
    def to_run(self) -> list[str]:
        return [s.name for s in self.steps if s.action == "run"]

    @property
    def skipped(self) -> dict[str, str]:
        return {s.name: s.reason for s in self.steps if s.action == "skip"}

    def as_json(self) -> dict[str, Any]:
        return {"job": self.job, "repairs": self.repairs, "summary": self.summary,
                "mode": self.mode, "chosen": self.chosen, "steps": [s.as_json() for s in self.steps],
                "runs_anything": bool(self.to_run)}

    def text(self) -> str:
        width = max((len(s.name) for s in self.steps), default=0)
        lines = [self.summary]
        for step in self.steps:
            lines.append(f"  {step.action:<4}  {step.name:<{width}}  {step.reason}")
        return "\n".join(lines)


def repair_plan(
    job_dir: pathlib.Path,
    arguments: Any = None,
    from_step: Optional[str] = None,
    only: Sequence[str] = (),
    steps: Optional[Sequence[JobStep]] = None,
    records: Optional[list[dict[str, Any]]] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Plan:
    """The one decision behind `vdk repair` and JupyterLab's Repair run: which steps run, which
    are skipped, and why. `steps` defaults to the job folder's steps, `records` to its run
    records. PlanError when there is nothing to plan from or a step name is unknown."""
    job_dir = pathlib.Path(job_dir)
    steps = list(job_steps(job_dir) if steps is None else steps)
    records = read_records(records_folder(job_dir, environ)) if records is None else records
    names = [s.name for s in steps]
    if from_step is not None and only:
        raise PlanError("Choose either --from-step or --step, not both.")
    for name in ([from_step] if from_step is not None else []) + list(only):
        if name not in names:
            listed = ", ".join(names) or "(none)"
            raise UnknownStep(f"Data job '{job_dir.name}' has no step {name!r}. Its steps: {listed}.")
    if not steps:
        raise PlanError(f"Data job '{job_dir.name}' has no steps (.sql, .py or .ipynb files at "
                        "the top level of its folder).")
    finished = [r for r in records if r.get("status") != RUNNING]
    if records and records[0].get("status") == RUNNING:
        raise PlanError(f"Data job '{job_dir.name}' is running now (run {records[0]['run_id']}, "
                        f"pid {records[0].get('pid')}). Wait for it to end before repairing it.")
    last = finished[0] if finished else None
    state = _StepState(steps, finished, arguments)
    if from_step is not None or only:
        return _chosen_plan(job_dir.name, steps, state, last, from_step, list(only))
    if last is None:
        raise PlanError(
            f"Data job '{job_dir.name}' has no local run on record, so there is nothing to "
            f"repair. Run it first (vdk run {job_dir}), or choose the steps to run: vdk repair "
            f"{job_dir} --from-step STEP, or --step STEP."
        )
    start = next((i for i, s in enumerate(steps) if not state.done(s)), None)
    planned = []
    for index, step in enumerate(steps):
        if start is None or index < start:
            planned.append(PlannedStep(step.name, "skip", state.success_text(step)))
        elif index == start:
            planned.append(PlannedStep(step.name, "run", state.why_not_done(step)))
        else:
            planned.append(PlannedStep(step.name, "run", state.why_not_done(step, "after a step that runs")))
    if start is None:
        summary = (f"Nothing failed or changed since run {last['run_id']} of data job "
                   f"'{job_dir.name}' ({last.get('status')}): nothing to run.")
    else:
        summary = (f"Repair of run {last['run_id']} of data job '{job_dir.name}' "
                   f"({last.get('status')} at {shown_time(last.get('ended') or last.get('started'))}): "
                   f"{len(steps) - start} of {len(steps)} steps run, from {steps[start].name}.")
        if state.arguments_changed:
            summary += " The arguments differ from that run's, so every step counts as changed."
    return Plan(job_dir.name, planned, last["run_id"] if last else None, summary)


def _chosen_plan(job: str, steps: list[JobStep], state: "_StepState", last: Optional[dict],
                 from_step: Optional[str], only: list[str]) -> Plan:
    planned = []
    if from_step is not None:
        start = [s.name for s in steps].index(from_step)
        for index, step in enumerate(steps):
            if index < start:
                planned.append(PlannedStep(step.name, "skip", f"before {from_step} (--from-step); "
                                           + state.success_text(step)))
            else:
                planned.append(PlannedStep(step.name, "run", "chosen with --from-step" if index == start
                                           else "after a step that runs"))
        summary = f"Data job '{job}' from step {from_step}: {len(steps) - start} of {len(steps)} steps run."
        return Plan(job, planned, last["run_id"] if last else None, summary, "from-step", [from_step])
    for step in steps:
        if step.name in only:
            planned.append(PlannedStep(step.name, "run", "chosen with --step"))
        else:
            planned.append(PlannedStep(step.name, "skip", "not chosen (--step); " + state.success_text(step)))
    count = sum(1 for p in planned if p.action == "run")
    summary = f"Data job '{job}', only the chosen steps: {count} of {len(steps)} steps run."
    return Plan(job, planned, last["run_id"] if last else None, summary, "step", only)


class _StepState:
    """What the records say of each step: its outcome in the last run, its last success."""

    def __init__(self, steps: list[JobStep], finished: list[dict], arguments: Any):
        self.last = finished[0] if finished else None
        self.arguments = arguments_fingerprint(arguments)
        self.arguments_changed = bool(self.last) and self.last.get("arguments") != self.arguments
        self.fingerprints = {s.name: file_fingerprint(s.file) for s in steps}
        self.successes: dict[str, tuple[dict, dict]] = {}
        for record in finished:  # newest first: the first success found is the last one
            for entry in record.get("steps", []):
                if entry.get("outcome") == SUCCEEDED:
                    self.successes.setdefault(entry.get("name"), (record, entry))
        self.in_last = {e.get("name"): e for e in (self.last or {}).get("steps", [])}

    def changed(self, step: JobStep) -> bool:
        success = self.successes.get(step.name)
        if success is None:
            return True
        record, entry = success
        return (entry.get("fingerprint") != self.fingerprints[step.name]
                or record.get("arguments") != self.arguments)

    def done(self, step: JobStep) -> bool:
        """Succeeded in the last run, or skipped there after an earlier success; unchanged since."""
        entry = self.in_last.get(step.name)
        outcome = entry.get("outcome") if entry else None
        if self.arguments_changed:
            return False
        if outcome == SKIPPED and entry.get("by_job"):
            # Left out by the job itself (skip_remaining_steps()): as the job wanted, unless changed.
            return entry.get("fingerprint") == self.fingerprints[step.name]
        return outcome in (SUCCEEDED, SKIPPED) and not self.changed(step)

    def why_not_done(self, step: JobStep, otherwise: str = "") -> str:
        run = self.last["run_id"] if self.last else "?"
        entry = self.in_last.get(step.name)
        outcome = entry.get("outcome") if entry else None
        if self.arguments_changed:
            return otherwise or f"the arguments differ from those of run {run}"
        if entry is None and self.last is not None:
            return otherwise or f"new since run {run}"
        if outcome == FAILED:
            cell = entry.get("failed_cell") or {}
            where = f" at code cell {cell['number']}" if cell.get("number") else ""
            return f"failed{where} in run {run}"
        if outcome == INTERRUPTED:
            return f"interrupted in run {run}"
        if outcome in (SUCCEEDED, SKIPPED) and self.changed(step):
            if step.name not in self.successes:
                return otherwise or "has not succeeded in any recorded run"
            return "changed since it last succeeded"
        return otherwise or f"{outcome or 'not run'} in run {run}"

    def success_text(self, step: JobStep) -> str:
        success = self.successes.get(step.name)
        entry = self.in_last.get(step.name) or {}
        if success is None and entry.get("by_job") and self.last is not None:
            return f"left out by the job in run {self.last['run_id']} ({entry.get('reason')})"
        if success is None:
            return "has not succeeded in any recorded run"
        record, _ = success
        text = f"succeeded in run {record['run_id']} at {shown_time(record.get('ended') or record.get('started'))}"
        return text + (", unchanged" if not self.changed(step) else ", changed since")
