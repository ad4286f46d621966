"""The record of a job's local runs, read by `vdk repair` and by JupyterLab's Repair run.

Each local `vdk run` (from a terminal or from JupyterLab) leaves one small JSON file: for every
step its name, outcome, times, the failing cell of a notebook, and a fingerprint of what ran (the
step's file and the job arguments). The files live beside the job's local SQLite database, in
the user's data folder (`<XDG_DATA_HOME>/vdk-jupyter/runs/<job>-<hash of its folder>/`), never
in the job folder: `vdk deploy` uploads everything in that. Each write goes to a new file that
then replaces the old one, so a reader sees the whole record before or after a change, never half
of one; a run killed with SIGKILL leaves its last complete state, still saying "running", which
a reader shows as interrupted once the process is gone.

Plain Python, no vdk-core import: the `vdk run` side (vdk_run/run_recording.py) writes records,
the CLI and the Jupyter server read them, and both plan a repair with `repair_plan`.
"""
from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import pathlib
import secrets
import socket
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Iterator
from typing import Mapping
from typing import Optional
from typing import Sequence

from vdk.plugin.notebook.job.local_database import data_folder
from vdk.plugin.notebook.job.local_database import job_key
from vdk.plugin.notebook.job.notebooks import find_notebooks

RECORD_VERSION = 1
KEPT_RECORDS = 50  # per job, newest first; older ones are deleted when a run starts

SUCCEEDED = "succeeded"
FAILED = "failed"
NOT_RUN = "not run"
SKIPPED = "skipped"
RUNNING = "running"
INTERRUPTED = "interrupted"

# Set on a run the Control Service started (its job container): cloud runs keep no record.
CLOUD_VARIABLE = "VDK_OP_ID"


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


def records_folder(job_dir: pathlib.Path, environ: Optional[Mapping[str, str]] = None) -> pathlib.Path:
    """`<data folder>/vdk-jupyter/runs/<job>-<hash>`: beside `databases/`, one folder per job."""
    environ = os.environ if environ is None else environ
    return data_folder(environ) / "runs" / job_key(job_dir)


def recording_wanted(environ: Optional[Mapping[str, str]] = None) -> bool:
    """False in the Control Service's job container: records are for local runs only."""
    environ = os.environ if environ is None else environ
    return not environ.get(CLOUD_VARIABLE)


def job_steps(job_dir: pathlib.Path) -> list[JobStep]:
    """The steps `vdk run` runs, in its order: top-level .sql and .py files (as vdk-core lists
    them) and notebooks (as this plugin does), by file name."""
    from vdk.plugin.notebook.engine.errors import shown  # named as vdk run names notebook steps

    files = [p for p in job_dir.iterdir() if p.name.lower().endswith((".sql", ".py"))]
    files += find_notebooks(job_dir)
    return [JobStep(shown(p.name), p) for p in sorted(files, key=lambda p: p.name)]


def file_fingerprint(path: Optional[pathlib.Path]) -> Optional[str]:
    """What a step runs: the file's bytes; for a notebook, only its code cells' sources and tags
    (saving outputs or editing markdown in Jupyter is no change), as `vdk run` records it from the
    notebook it prepared (engine.prepare.code_fingerprint). None: no file, or unreadable."""
    if path is None:
        return None
    if path.suffix.lower() == ".ipynb":
        from vdk.plugin.notebook.engine.errors import NotebookError
        from vdk.plugin.notebook.engine.prepare import code_fingerprint
        from vdk.plugin.notebook.engine.reader import read_notebook

        try:
            return code_fingerprint(read_notebook(path, outputs=False))
        except NotebookError:
            pass  # not a readable notebook: its bytes, as for any file
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):  # a file of any size
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()[:16]


def arguments_fingerprint(arguments: Any) -> str:
    """The job arguments, compared, never stored: they can hold values users keep private."""
    text = json.dumps(arguments or {}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def new_run_id() -> str:
    """Sorts by start time, readable in messages: `20261207-035012-a1b2`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def now_text() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def shown_time(iso: Optional[str]) -> str:
    """`2026-12-07 03:50:12 UTC`: how a record's times appear in a plan."""
    if not iso:
        return "an unknown time"
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def write_record(folder: pathlib.Path, record: dict[str, Any]) -> pathlib.Path:
    """Write `record` as `<run_id>.json` atomically: a new file, then renamed over the old."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{record['run_id']}.json"
    temporary = folder / f".{record['run_id']}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(record, out, indent=1)
    os.replace(temporary, path)
    return path


def read_records(folder: pathlib.Path) -> list[dict[str, Any]]:
    """The job's run records, newest first; a run whose process is gone while its record still
    says "running" (killed, machine restarted) reads as interrupted. Unreadable files are passed
    over: a record is a convenience, never a reason for a run to fail."""
    records = []
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".json") and not n.startswith(".")]
    except OSError:
        return []
    for name in names:
        try:
            record = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("version") == RECORD_VERSION:
            records.append(_as_read(record))
    return sorted(records, key=lambda r: (str(r.get("started")), str(r.get("run_id"))), reverse=True)


def _as_read(record: dict[str, Any]) -> dict[str, Any]:
    if record.get("status") != RUNNING or _alive(record):
        return record
    record["status"] = INTERRUPTED
    for step in record.get("steps", []):
        if step.get("outcome") == RUNNING:
            step["outcome"] = INTERRUPTED
    return record


def _alive(record: dict[str, Any]) -> bool:
    if record.get("host") != socket.gethostname():
        return True  # a shared data folder: another machine's run is not ours to judge
    try:
        pid = int(record.get("pid") or 0)
    except (ValueError, TypeError):
        return False
    if not _pid_alive(pid):
        return False
    # The same number may belong to a later process by now: compare when it started.
    started = process_start(pid)
    return pid > 0 and (started is None or record.get("pid_start") in (None, started))


def process_start(pid: int) -> Optional[str]:
    """When process `pid` started, in clock ticks since boot (Linux /proc); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read().decode("ascii", "replace")
        return text[text.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return None


def prune_records(folder: pathlib.Path, keep: int = KEPT_RECORDS) -> None:
    """Delete all but the newest `keep` records; by file name (run ids sort by start time), so a
    run reads no record to do it."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".json") and not n.startswith("."))
    except OSError:
        return
    for name in names[:-keep] if len(names) > keep else []:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    # A run killed while writing leaves its `.<run id>.<pid>.tmp`; nothing reads those.
    for name in os.listdir(folder):
        if name.startswith(".") and name.endswith(".tmp") and not _pid_alive(name.split(".")[-2]):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def _pid_alive(pid: object) -> bool:
    try:
        os.kill(int(pid), 0)  # type: ignore[call-overload]
    except (ProcessLookupError, ValueError, TypeError, OverflowError):
        return False
    except PermissionError:
        pass  # alive, someone else's
    return True


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
