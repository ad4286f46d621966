"""The data job behind `job_input` in a Jupyter kernel.

A kernel gets the same kind of `job_input` that `vdk run` passes to a step, because vdk-core's
StandaloneDataJob simulates `vdk run <job folder>`: the installed plugins, the job's config.ini and
the environment all apply. The job starts on first use (loading the extension must cost nothing,
and many notebooks never touch `job_input` in a session) and is finalised on demand or when the
kernel exits, so what was sent for ingestion is flushed and nothing is lost.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import pathlib
import sys
from typing import Any
from typing import Callable
from typing import ContextManager
from typing import Iterator
from typing import Optional

from vdk.plugin.notebook.engine.process_state import environment_variables
from vdk.plugin.notebook.engine.process_state import logger_level
from vdk.plugin.notebook.job.local_database import LocalDatabase
from vdk.plugin.notebook.job.local_database import local_database
from vdk.plugin.notebook.kernel.ingestion_tally import SENDERS
from vdk.plugin.notebook.kernel.ingestion_tally import Tally
from vdk.plugin.notebook.kernel.ingestion_tally import counting

log = logging.getLogger(__name__)


class JobStartError(Exception):
    """The job could not be started; vdk-core has logged why just before."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback through vdk-core's internals.
        return [f"{type(self).__name__}: {self}"]


class KernelJob:
    """One data job as a kernel sees it: a folder, job arguments, and a job started when needed."""

    def __init__(self, directory: pathlib.Path, arguments: Optional[dict] = None):
        self.directory = directory
        self.arguments = dict(arguments or {})
        self._job: Any = None
        self._job_input: Any = None
        self._quiet_logs: Optional[ContextManager[None]] = None
        self.sent = Tally()  # rows sent for ingestion since the job started, not yet flushed
        self.flushed = Tally()  # rows flushed by finalising, until someone reports and clears it

    @property
    def name(self) -> str:
        return self.directory.name

    @property
    def started(self) -> bool:
        return self._job_input is not None

    def job_input(self) -> Any:
        """The job's IJobInput, starting the job on first use."""
        if self._job_input is None:
            self._start()
        return self._job_input

    def finalize(self) -> bool:
        """Flush ingestion and close connections, as the end of `vdk run` does.

        Returns False if the job had not started. The next use of `job_input` starts it again.
        """
        job, self._job, self._job_input = self._job, None, None
        if job is None:
            return False
        try:
            job.__exit__(None, None, None)  # flushes ingestion, or raises why it could not
            self.flushed.add_from(self.sent)
        finally:
            self.sent.clear()
            quiet, self._quiet_logs = self._quiet_logs, None
            if quiet is not None:
                quiet.__exit__(None, None, None)
        return True

    def label(self) -> str:
        arguments = f", arguments {json.dumps(self.arguments)}" if self.arguments else ""
        return f"data job '{self.name}' in {self.directory}{arguments}"

    def describe(self) -> str:
        state = "started" if self.started else "starts on first use of job_input"
        return f"{self.label()} ({state})"

    def _start(self) -> None:
        from vdk.plugin.notebook.vdk_run.plugin_check import plugin_load_failure
        from vdk.plugin.notebook.vdk_run.standalone import KernelJobMarker
        from vdk.plugin.notebook.vdk_run.standalone import open_standalone_job

        if not self.directory.is_dir():
            raise JobStartError(
                f"The job folder {self.directory} does not exist. Point job_input at a data job "
                "folder with: %vdk --path <folder>"
            )
        database = local_database(self.directory)
        _say_once(database, self.name)
        marker = KernelJobMarker()
        try:
            with _without_reconfiguration_warning(), _blank_output_dropped(), \
                    environment_variables(database.environment()):
                job = open_standalone_job(self.directory, self.arguments or None, marker)
        except Exception as e:  # any failure to configure the job is shown short
            log.debug("Starting the data job failed.", exc_info=True)
            broken = plugin_load_failure(e)
            if broken:
                raise JobStartError(broken) from e
            raise JobStartError(
                f"The data job in {self.directory} could not be configured: "
                f"{type(e).__name__}: {e}. Check the job's config.ini and the VDK_ environment "
                "variables, then use job_input again."
            ) from e
        with environment_variables(database.environment()), _control_service_plugins_quiet(), \
                _without_reconfiguration_warning():
            job_input = job.__enter__()
        if job_input is None and marker.failure:
            raise JobStartError(f"{marker.failure} Then use job_input again.")
        if job_input is None:
            # StandaloneDataJob logs the failure and returns None instead of raising.
            raise JobStartError(
                f"The data job in {self.directory} could not be started; the log above says why. "
                "Fix the cause (often the job's config.ini or a VDK_ environment variable), then "
                "use job_input again."
            )
        self._quiet_logs = _quiet_vdk_logs()
        self._quiet_logs.__enter__()
        self._job, self._job_input = job, job_input


_said: set = set()


def _say_once(database: LocalDatabase, job: str) -> None:
    """Which database the job uses, said once per kernel and database: the embedded SQLite
    file a job falls back to, or the one its configuration names ("PostgreSQL at
    host:port/dbname", never a password)."""
    message = database.message or (database.label and f"Data job '{job}' uses {database.label}.")
    if message and message not in _said:
        _said.add(message)
        print(message)


@contextlib.contextmanager
def _without_reconfiguration_warning() -> Iterator[None]:
    """vdk-core configures logging once per job and warns "Logging already configured. This
    seems like a bug" from the second job in a process on. In a kernel a second job is normal
    (after %vdk --path, --arguments, --reset, --finalize), so that one message is dropped; and
    vdk-postgres's warning below."""
    dropped = [(logging.getLogger("vdk.internal.builtin_plugins.config.log_config"),
                _DropMessage("Logging already configured")),
               # vdk-postgres (the postgres extra) warns at every job start where its keys are
               # not set, SQLite jobs included: three lines above a cell's result. A job that
               # does use PostgreSQL and lacks a key is told which one (database_check.py).
               (logging.getLogger("vdk.plugin.postgres.postgres_plugin"),
                _DropMessage("New Postgres connection with name postgres was not created"))]
    for logger, drop in dropped:
        logger.addFilter(drop)
    try:
        yield
    finally:
        for logger, drop in dropped:
            logger.removeFilter(drop)


@contextlib.contextmanager
def _blank_output_dropped() -> Iterator[None]:
    """vdk-core prints an empty line while it configures a job: noise above a cell's result."""
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        yield
    if captured.getvalue().strip():
        sys.stdout.write(captured.getvalue())


class _DropMessage(logging.Filter):
    def __init__(self, start: str):
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.start)


@contextlib.contextmanager
def vdk_errors_muted() -> Iterator[None]:
    """VDK logs a failed query as an ERROR before raising; where the error itself is shown to
    the user, that log line says the same thing twice. Left alone if VDK_LOG_LEVEL_VDK is set."""
    with _vdk_log_level(logging.CRITICAL):
        yield


def _quiet_vdk_logs() -> ContextManager[None]:
    """VDK logs every query at INFO; in a notebook that buries the result under log lines. Held
    while the job is started; finalising the job gives the level back.

    Users who want them set VDK_LOG_LEVEL_VDK, which is then left alone.
    """
    return _vdk_log_level(logging.WARNING)


@contextlib.contextmanager
def _control_service_plugins_quiet() -> Iterator[None]:
    """vdk-plugin-control-cli (installed with the jupyter extra, for `vdk deploy`) logs at INFO
    on every job start that no Control Service is configured and that it checks for concurrent
    cloud executions: about the cloud, not a kernel, and three lines above the first cell's
    result. vdk-core reconfigures logging while the job starts (resetting the levels of the
    plugin's loggers), so INFO is held off for the whole process during the start instead.
    Users who want every line set VDK_LOG_LEVEL_VDK, which is then left alone."""
    if os.environ.get("VDK_LOG_LEVEL_VDK"):
        yield
        return
    previous = logging.root.manager.disable
    logging.disable(max(previous, logging.INFO))
    try:
        yield
    finally:
        logging.disable(previous)


def _vdk_log_level(level: int) -> ContextManager[None]:
    return logger_level("vdk", None if os.environ.get("VDK_LOG_LEVEL_VDK") else level)


class LazyJobInput:
    """What `job_input` is in a kernel: a stand-in for the current job's IJobInput.

    A stand-in, not the object itself, so that `%vdk --path/--arguments/--reset` re-point it and
    code that kept a reference keeps working. Public attribute access starts the job; private and
    dunder names do not, because IPython probes those (`_repr_html_`, ...) when it shows a value.
    """

    __slots__ = ("_current",)

    def __init__(self, current: Callable[[], KernelJob]):
        object.__setattr__(self, "_current", current)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        job = self._current()
        value = getattr(job.job_input(), name)
        if name in SENDERS:
            return counting(name, value, job.sent)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"job_input has no attribute {name!r} to set")

    def __dir__(self) -> list[str]:
        from vdk.plugin.notebook.vdk_run.standalone import job_input_attributes

        return job_input_attributes()

    def __repr__(self) -> str:
        return f"<job_input of the {self._current().describe()}>"

