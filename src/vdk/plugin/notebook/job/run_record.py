"""The record of a job's local runs, read by `vdk repair` and by JupyterLab's Repair run.

Each local `vdk run` (from a terminal or from JupyterLab) leaves one small JSON file: for every
step its name, outcome, times, the failing cell of a notebook, and a fingerprint of what ran (the
step's file and the job arguments). The files live beside the job's local SQLite database, in
the user's data folder (`<XDG_DATA_HOME>/vdk-jupyter/runs/<job>-<hash of its folder>/`), never
in the job folder: `vdk deploy` uploads everything in that. The record is written whole when the
run starts (a new file renamed into place, so a reader never sees half of one); each change after
that (a step started or ended, the run ended) is appended to it as one line of JSON, which costs
a tenth of writing the whole record again. A reader applies the lines in order and passes over a
last line cut short. A run killed with SIGKILL leaves its last complete state, still saying
"running", which a reader shows as interrupted once the process is gone.

Plain Python, no vdk-core import: the `vdk run` side (vdk_run/run_recording.py) writes records
on every local run, so this module stays small; the CLI and the Jupyter server plan a repair
from them with repair_plan.py.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import pathlib
import socket
from typing import Any
from typing import Mapping
from typing import Optional

from vdk.plugin.notebook.job.data_folder import data_folder
from vdk.plugin.notebook.job.data_folder import job_key

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


def records_folder(job_dir: pathlib.Path, environ: Optional[Mapping[str, str]] = None) -> pathlib.Path:
    """`<data folder>/vdk-jupyter/runs/<job>-<hash>`: beside `databases/`, one folder per job."""
    environ = os.environ if environ is None else environ
    return data_folder(environ) / "runs" / job_key(job_dir)


def recording_wanted(environ: Optional[Mapping[str, str]] = None) -> bool:
    """False in the Control Service's job container: records are for local runs only."""
    environ = os.environ if environ is None else environ
    return not environ.get(CLOUD_VARIABLE)


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
    return now.strftime("%Y%m%d-%H%M%S-") + os.urandom(2).hex()


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
    """Write `record` as `<run_id>.json` atomically: a new file, then renamed over the old.
    `folder` exists (the recorder makes it once, at the start of the run)."""
    path = folder / f"{record['run_id']}.json"
    temporary = folder / f".{record['run_id']}.{os.getpid()}.tmp"
    # One line: the changes appended after it are lines too. json.dumps without indent is the C
    # encoder; json.dump, or any indent, takes the pure-Python one.
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    os.replace(temporary, path)
    return path


def append_change(folder: pathlib.Path, run_id: str, change: dict[str, Any]) -> None:
    """Append one change to the record of `run_id`: `{"step": name, ...fields}` for a step,
    else fields of the run itself. One write of one line."""
    with open(folder / f"{run_id}.json", "a", encoding="utf-8") as out:
        out.write(json.dumps(change) + "\n")


def _parse(text: str) -> Any:
    """A record file: its first line is the record as written at the start, each further line a
    change (append_change); a last line cut short by a crash is passed over."""
    first, _, rest = text.partition("\n")
    record = json.loads(first)
    if not isinstance(record, dict):
        return record
    steps = {step.get("name"): step for step in record.get("steps", []) if isinstance(step, dict)}
    for line in rest.splitlines():
        try:
            change = json.loads(line)
        except ValueError:
            break
        if not isinstance(change, dict):
            break
        if "step" in change:
            steps.get(change.pop("step"), {}).update(change)
        else:
            record.update(change)
    return record


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
            record = _parse((folder / name).read_text(encoding="utf-8"))
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
