"""Runs of `vdk run` started from JupyterLab: a real subprocess each, with its progress events.

The job runs as from a terminal: the installed `vdk` with the job folder as an argv item (no
shell, so no quoting to get wrong), its own environment plus the local database rule
(local_database.py). Its arguments do not go on the command line, where every local user can
read them (`ps`), but through an unlinked temporary file handed over as an open descriptor
(vdk_run/arguments_file.py sets them inside `vdk run`); the events and answers of the API show
them masked as the executed notebooks do (engine/secrets_mask.py). Its progress arrives on a
pipe named by VDK_NOTEBOOK_EVENTS_FILE (vdk_run/events.py writes it; job/run_events.py says what
it holds), read as it comes: no polling interval between a cell finishing and the browser
knowing. Success or failure is the job's exit code.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import pathlib
import signal
import sys
import tempfile
import time
import uuid
from typing import Any
from typing import Callable
from typing import Optional
from typing import cast

from vdk.plugin.notebook.engine.secrets_mask import DEFAULT_SECRET_NAMES
from vdk.plugin.notebook.engine.secrets_mask import masked
from vdk.plugin.notebook.engine.secrets_mask import secret_names
from vdk.plugin.notebook.job.local_database import job_options
from vdk.plugin.notebook.job.local_database import local_database
from vdk.plugin.notebook.job import ARGUMENTS_FILE_VARIABLE
from vdk.plugin.notebook.job.run_events import EVENTS_FILE_VARIABLE
from vdk.plugin.notebook.job.run_events import Database
from vdk.plugin.notebook.job.run_events import RunEvent
from vdk.plugin.notebook.job.run_events import RunFinished
from vdk.plugin.notebook.job.run_events import RunJob
from vdk.plugin.notebook.job.run_events import RunResult
from vdk.plugin.notebook.job.run_events import RunStarted
from vdk.plugin.notebook.job.run_events import is_event
from vdk.plugin.notebook.server.paths import ApiError
from vdk.plugin.notebook.server.paths import Job
from vdk.plugin.notebook.server.paths import relative
from vdk.plugin.notebook.server.result import run_result

log = logging.getLogger(__name__)

SECRET_NAMES = "NOTEBOOK_SECRET_NAMES"  # as vdk_run/option_keys.py declares it
DEFAULT_SECRET_WORDS = ",".join(DEFAULT_SECRET_NAMES)

LOG_LIMIT = 20_000_000  # characters of a run's output kept for GET runs/<id>/log
READ_AFTER_EXIT = 5.0  # seconds to finish reading output once the job's process has ended
KEPT_RUNS = 50  # finished runs remembered, newest first
STOP_GRACE = (10.0, 10.0)  # seconds after SIGINT before SIGTERM, after SIGTERM before SIGKILL
# Seconds between two "still busy" marks while a run goes on (see Runs.on_activity): short
# against any idle timeout a hub's culler would use, and nothing to a server.
ACTIVITY_TICK = 10.0


class Run:
    def __init__(self, root: pathlib.Path, job: Job, arguments: Optional[dict],
                 repair: Optional[dict] = None, on_activity: Callable[[], None] = lambda: None):
        self.id = uuid.uuid4().hex
        self.repair = repair  # None: vdk run; else vdk repair with this selection (repair.py)
        self.on_activity = on_activity
        self.root = root
        self.job = job
        self.arguments = arguments
        self.database = local_database(job.directory)
        self.started = time.time()
        self.events: list[RunEvent] = []
        self.result: Optional[RunResult] = None
        self.stop_requested = False
        self._log: list[str] = []
        self._log_size = 0
        self._changed = asyncio.Event()
        self._process: Optional[asyncio.subprocess.Process] = None

    @property
    def pid(self) -> Optional[int]:
        return self._process.pid if self._process is not None else None

    @property
    def done(self) -> bool:
        return self.result is not None

    def summary(self) -> dict[str, Any]:
        return {"run_id": self.id, "job": self.job.as_json(with_database=False), "done": self.done,
                "repair": self.repair,
                "status": self.result["status"] if self.result else None, "started": self.started}

    def log_text(self) -> str:
        return "".join(self._log)

    def argv(self) -> list[str]:
        vdk = pathlib.Path(sys.executable).with_name("vdk")
        command = [str(vdk)] if vdk.is_file() else [
            sys.executable, "-c", "import sys; from vdk.internal.cli_entry import main; sys.exit(main())"]
        command += ["run" if self.repair is None else "repair", str(self.job.directory)]
        if self.repair is not None and self.repair.get("from_step"):
            command += [f"--from-step={self.repair['from_step']}"]  # one item: never an option
        for step in (self.repair or {}).get("steps") or []:
            command += [f"--step={step}"]
        # The arguments are not on the command line: see start() and arguments_file.py.
        return command

    def shown_arguments(self) -> Optional[dict]:
        """The arguments as events and answers show them: secret-looking values masked."""
        return masked(self.arguments, secret_words(self.job.directory))

    async def start(self) -> None:
        read_end, write_end = os.pipe()
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.database.environment())
        env[EVENTS_FILE_VARIABLE] = f"/dev/fd/{write_end}"
        passed = [write_end]
        arguments_file = None
        if self.arguments is not None:
            arguments_file = _arguments_file(self.arguments)
            passed.append(arguments_file.fileno())
            env[ARGUMENTS_FILE_VARIABLE] = f"/dev/fd/{arguments_file.fileno()}"
        self._add(RunStarted(type="run_started", time=time.time(),
                             job=cast(RunJob, self.job.as_json(with_database=False)),
                             arguments=self.shown_arguments(), repair=self.repair))
        if self.database.message:
            self._append_log(f"[vdk-jupyter] {self.database.message}\n")
        elif self.database.label:
            self._append_log(f"[vdk-jupyter] The job's database: {self.database.label}\n")
        log.info("vdk-jupyter: running %s", " ".join(self.argv()[:3]))
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.argv(), cwd=str(self.job.directory.parent), env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, pass_fds=tuple(passed),
                start_new_session=True,  # stop signals reach the job and whatever it started
            )
        except OSError as e:
            os.close(read_end)
            raise ApiError(500, f"vdk run could not be started: {e}.") from None
        finally:
            os.close(write_end)
            if arguments_file is not None:
                arguments_file.close()
        asyncio.ensure_future(self._follow(read_end))

    async def _follow(self, events_fd: int) -> None:
        readers = asyncio.gather(self._read_events(events_fd), self._read_log())
        busy = asyncio.ensure_future(self._report_activity())
        try:
            exit_code = await self._process.wait()
            # The pipes end with the job, unless something it started in the background still
            # holds them: then what was written before the job ended is all there is.
            await asyncio.wait_for(asyncio.shield(readers), READ_AFTER_EXIT)
        except asyncio.TimeoutError:
            readers.cancel()
        except Exception as e:  # a run must always end with a result
            log.exception("vdk-jupyter: following run %s failed", self.id)
            exit_code = self._process.returncode if self._process.returncode is not None else -1
            self._append_log(f"[vdk-jupyter] following the run failed: {e}\n")
        finally:
            busy.cancel()
        self.result = run_result(
            self.events, exit_code, job_name=self.job.name, started=self.started,
            stop_requested=self.stop_requested,
            database=cast(Database, self.database.as_json()))
        self.on_activity()  # idle time counts from the run's end, not from its last tick
        self._add(RunFinished(type="run_finished", time=time.time(), result=self.result))

    async def _report_activity(self) -> None:
        """A run is activity even when nobody watches it: without this, a hub's idle culler
        would stop the server (and the job) of a user who started a long run and closed the tab."""
        while True:
            self.on_activity()
            await asyncio.sleep(ACTIVITY_TICK)

    async def _read_events(self, fd: int) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=2**24)
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0))
        try:
            async for line in reader:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if not is_event(event):
                    continue
                if "path" in event:  # as the front end names files: relative to the root
                    event["path"] = relative(self.root, event["path"])
                self._add(cast(RunEvent, event))
        finally:
            transport.close()

    async def _read_log(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        while True:
            chunk = await self._process.stdout.read(65536)
            if not chunk:
                return
            self._append_log(chunk.decode("utf-8", errors="replace"))

    def _append_log(self, text: str) -> None:
        if self._log_size < LOG_LIMIT:
            self._log.append(text[: LOG_LIMIT - self._log_size])
            self._log_size += len(text)
            if self._log_size >= LOG_LIMIT:
                self._log.append("\n[vdk-jupyter] the log is longer than this; the rest is left out.\n")

    def _add(self, event: RunEvent) -> None:
        event["seq"] = len(self.events) + 1
        self.events.append(event)
        self._changed.set()
        self._changed = asyncio.Event()

    async def events_after(self, after: int, timeout: float) -> list[RunEvent]:
        """Events with seq > after: at once if there are any (or the run is done), else the
        first that come within `timeout` seconds."""
        if len(self.events) <= after and not self.done:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        return self.events[max(after, 0):]

    async def stop(self) -> None:
        """Ctrl-C for the job (the running cell ends as interrupted, the report is written),
        then SIGTERM and SIGKILL if it does not end."""
        if self.done or self._process is None:
            raise ApiError(409, "The run has already ended.")
        if self.stop_requested:
            # Already stopping: a second Ctrl-C would abort vdk's end-of-job work (rows still
            # waiting for ingestion), so a second Stop changes nothing.
            return
        self.stop_requested = True
        for signum, grace in ((signal.SIGINT, STOP_GRACE[0]), (signal.SIGTERM, STOP_GRACE[1]),
                              (signal.SIGKILL, None)):
            if self._process.returncode is not None:
                return
            try:
                os.killpg(self._process.pid, signum)
            except ProcessLookupError:
                return
            if grace is None:
                return
            try:
                await asyncio.wait_for(asyncio.shield(self._process.wait()), grace)
                return
            except asyncio.TimeoutError:
                continue


def _arguments_file(arguments: dict) -> Any:
    """The arguments as JSON in a temporary file with no name (unlinked at once, mode 0600
    while it had one): only this process and the child it is handed to can read it."""
    file = tempfile.TemporaryFile()
    file.write(json.dumps(arguments).encode("utf-8"))
    file.flush()
    file.seek(0)
    return file


def secret_words(job_dir: pathlib.Path) -> tuple[str, ...]:
    """NOTEBOOK_SECRET_NAMES as the job's `vdk run` reads it: the environment, then the job's
    config.ini, then the default words."""
    setting = os.environ.get("VDK_" + SECRET_NAMES)
    if setting is None:
        setting = job_options(job_dir).get(SECRET_NAMES.lower())
    return secret_names(DEFAULT_SECRET_WORDS if setting is None else setting)


class Runs:
    """The runs of this server, in memory: a run lives as long as the server.

    `on_activity` is called at a run's start and end and every ACTIVITY_TICK seconds between:
    the server extension makes it the server's activity (what `jupyterhub-singleuser` reports to
    the hub, and what idle culling goes by)."""

    def __init__(self, root: pathlib.Path, on_activity: Callable[[], None] = lambda: None,
                 record: Optional[pathlib.Path] = None):
        self.root = root
        self.on_activity = on_activity
        # Runs the last server stopped because it stopped (stop_at_exit), said once per job.
        self.record = record
        self.interrupted: list[dict[str, Any]] = _take_interrupted(record, root)
        self._runs: dict[str, Run] = {}
        self.told: set[pathlib.Path] = set()  # jobs whose default database the log has named

    async def start(self, job: Job, arguments: Optional[dict], repair: Optional[dict] = None) -> Run:
        active = [run for run in self._runs.values() if not run.done and run.job.directory == job.directory]
        if active:
            raise ApiError(409, f"Data job '{job.name}' is already running (run {active[0].id}). "
                                "Wait for it to end, or stop it, before starting it again.")
        run = Run(self.root, job, arguments, repair, self.on_activity)
        self._runs[run.id] = run
        self._forget_old()
        try:
            await run.start()
        except BaseException:
            del self._runs[run.id]  # never started: it must not block the next run as active
            raise
        return run

    def get(self, run_id: str) -> Run:
        run = self._runs.get(run_id)
        if run is None:
            raise ApiError(404, f"There is no run {run_id!r} on this server (runs are forgotten "
                                "when the server restarts).")
        return run

    def list(self, job: Optional[Job]) -> list[Run]:
        runs = [r for r in self._runs.values() if job is None or r.job.directory == job.directory]
        return sorted(runs, key=lambda r: r.started, reverse=True)

    def interrupted_runs(self, job: Optional[Job]) -> list[dict[str, Any]]:
        """The job's runs that the previous server stopped as it stopped, handed out once (the
        notebook that asks shows them; the log said them at start)."""
        mine = [r for r in self.interrupted if job is None or r["job"]["path"] == job.as_json(
            with_database=False)["path"]]
        self.interrupted = [r for r in self.interrupted if r not in mine]
        return mine

    def _forget_old(self) -> None:
        finished = sorted((r for r in self._runs.values() if r.done), key=lambda r: r.started)
        for run in finished[:-KEPT_RUNS] if len(finished) > KEPT_RUNS else []:
            del self._runs[run.id]

    def stop_at_exit(self, wait: float = 10.0) -> None:
        """When the server exits, runs still going are stopped as `POST runs/<id>/stop` stops
        them (their reports are written), not left running without anyone to follow them.
        Plain blocking code: it runs from atexit, after the server's event loop has ended."""
        going = [run for run in self._runs.values() if not run.done and run.pid is not None]
        _keep_interrupted(self.record, self.root, going)
        pids = [run.pid for run in going]
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            pids = [pid for pid in pids if _signal_group(pid, signum)]
            deadline = time.monotonic() + wait
            while pids and time.monotonic() < deadline:
                pids = [pid for pid in pids if not _ended(pid)]
                time.sleep(0.05)
            if not pids:
                return


def _keep_interrupted(record: Optional[pathlib.Path], root: pathlib.Path, runs: list[Run]) -> None:
    """Notes the runs a stopping server stops, for the next server to say (a hub that culls or
    restarts a server gives no one the chance to read it in this one)."""
    if record is None or not runs:
        return
    stopped = time.time()
    entries = [{"root": str(root), "run_id": run.id, "job": run.job.as_json(with_database=False),
                "started": run.started, "stopped": stopped} for run in runs]
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        kept = _read_record(record)
        record.write_text(json.dumps(kept + entries))
    except OSError as e:
        log.warning("vdk-jupyter: could not note the runs stopped with the server in %s: %s", record, e)


def _take_interrupted(record: Optional[pathlib.Path], root: pathlib.Path) -> list[dict[str, Any]]:
    """The noted runs of this root (the others are left for their own server), logged."""
    if record is None or not record.is_file():
        return []
    entries = _read_record(record)
    mine = [e for e in entries if e.get("root") == str(root)]
    others = [e for e in entries if e.get("root") != str(root)]
    try:
        if others:
            record.write_text(json.dumps(others))
        else:
            record.unlink()
    except OSError:
        pass
    for entry in mine:
        log.warning("vdk-jupyter: the run of data job %s started %s was stopped when the server "
                    "stopped at %s", entry["job"].get("path"), _clock(entry["started"]),
                    _clock(entry["stopped"]))
    return mine


def _read_record(record: pathlib.Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads(record.read_text())
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("job"), dict)] \
        if isinstance(entries, list) else []


def _clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def _signal_group(pid: int, signum: int) -> bool:
    try:
        os.killpg(pid, signum)
        return True
    except ProcessLookupError:
        return False


def _ended(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True
