"""Fixtures that drive the real `vdk run` against a real SQLite file.

Every test builds its own job folder under tmp_path and runs it through vdk-core's CLI in this
process, with only vdk-sqlite and this plugin loaded, so what a test asserts (exit code, output,
rows) is what a user running `vdk run` would see.
"""
from __future__ import annotations

import json
import pathlib
import sqlite3
import textwrap
from dataclasses import dataclass
from typing import Any
from typing import Optional

import pytest
from click.testing import Result

import notebooks


@dataclass
class RunOutcome:
    """What a user sees of one run: exit code, everything printed, and the termination status
    vdk-core writes for the platform ("Success", "User error", "Platform error")."""

    result: Result
    termination_file: pathlib.Path

    @property
    def exit_code(self) -> int:
        return self.result.exit_code

    @property
    def output(self) -> str:
        return self.result.output

    @property
    def status(self) -> Optional[str]:
        if not self.termination_file.exists():
            return None
        return json.loads(self.termination_file.read_text())["status"]

    def explain(self) -> str:
        return f"exit code {self.exit_code}, status {self.status}\n{self.output}"


class JobFolder:
    """A data job folder in tmp_path, filled file by file the way a user would."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def sql(self, name: str, query: str) -> pathlib.Path:
        return self.file(name, query)

    def py(self, name: str, body: str) -> pathlib.Path:
        """A .py step whose run(job_input) has `body` (dedented) as its body."""
        body = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
        return self.file(name, f"def run(job_input):\n{body}\n")

    def notebook(self, name: str, cells_or_nb, **kwargs) -> pathlib.Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return notebooks.write(path, cells_or_nb, **kwargs)

    def file(self, name: str, text: str) -> pathlib.Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def __str__(self) -> str:
        return str(self.path)


class Database:
    """The SQLite file the job writes to, read back with the standard library."""

    def __init__(self, path: pathlib.Path):
        self.path = path

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as connection:
            return connection.execute(query).fetchall()

    def events(self) -> list[str]:
        """What the job recorded with notebooks.record, in the order it happened."""
        return [what for (what,) in self.rows("SELECT what FROM events ORDER BY seq")]

    def tables(self) -> set[str]:
        if not self.path.exists():
            return set()
        return {name for (name,) in self.rows("SELECT name FROM sqlite_master WHERE type='table'")}


def pytest_configure(config: pytest.Config) -> None:
    # vdk-core's plugins add their options to the same click command on every in-process run.
    config.addinivalue_line("filterwarnings", "ignore:The parameter .* is used more than once")
    config.addinivalue_line("markers", "artifacts: builds the sdist and the wheel and installs each into a "
                            "fresh venv (tests/test_artifacts.py, a few minutes)")


@pytest.fixture(autouse=True)
def temporary_files_in_tmp_path(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every notebook step writes an executed notebook, by default under VDK's temporary write
    directory, the system's temp folder. Runs in subprocesses (the real `vdk`, Jupyter kernels)
    inherit this, so the suite leaves no reports behind in /tmp."""
    monkeypatch.setenv("VDK_TEMPORARY_WRITE_DIRECTORY", str(tmp_path / "vdk-temp"))
    # Every local run leaves a run record in the user's data folder (job/run_record.py).
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def db(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    path = tmp_path / "warehouse.sqlite"
    monkeypatch.setenv("VDK_DB_DEFAULT_TYPE", "SQLITE")
    monkeypatch.setenv("VDK_SQLITE_FILE", str(path))
    monkeypatch.setenv("VDK_INGEST_METHOD_DEFAULT", "sqlite")
    return Database(path)


@pytest.fixture
def job(tmp_path: pathlib.Path) -> JobFolder:
    return JobFolder(tmp_path / "my-job")


@pytest.fixture
def run_job(db: Database, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch):
    """run_job(job) runs `vdk run <job>` in-process and returns a RunOutcome."""
    from vdk.internal.core.errors import resolvable_context
    from vdk.plugin.sqlite import sqlite_plugin
    from vdk.plugin.test_utils.util_funcs import CliEntryBasedTestRunner

    from vdk.plugin.notebook.vdk_run import hooks as plugin

    counter = iter(range(1000))
    monkeypatch.chdir(tmp_path)  # files a job writes to its working directory land here
    # Executed notebooks (report.py) go to the test's own folder, not the system temp dir.
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT_DIRECTORY", str(tmp_path / "reports"))

    def run(job: JobFolder, *extra_args: str) -> RunOutcome:
        termination = tmp_path / f"termination-{next(counter)}.json"
        monkeypatch.setenv("VDK_TERMINATION_MESSAGE_WRITER_OUTPUT_FILE", str(termination))
        # vdk-core keeps the errors of a run in a process-wide registry that decides the
        # termination status; a real `vdk run` starts with it empty, so each run here does too.
        resolvable_context().clear()
        runner = CliEntryBasedTestRunner(sqlite_plugin, plugin)
        result = runner.invoke(["run", str(job), *extra_args])
        return RunOutcome(result, termination)

    return run


@pytest.fixture(scope="session")
def cloud_runtime(tmp_path_factory: pytest.TempPathFactory):
    """The cloud's job builder and runtime (cloud.py), with this checkout's wheel; its virtual
    environments are reused for the whole session."""
    from cloud import CloudRuntime
    from cloud import build_wheel

    wheels = tmp_path_factory.mktemp("wheels")
    build_wheel(wheels)
    workspace = tmp_path_factory.mktemp("cloud")
    return CloudRuntime(wheels, workspace, workspace / "warehouse.sqlite")


@pytest.fixture
def control_service(cloud_runtime, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch):
    """The test Control Service (control_service.py), configured as a user configures
    vdk-control-cli; no request or answer may stray from the API document."""
    from control_service import ControlServiceStandIn

    cloud_runtime.database = tmp_path / "cloud-warehouse.sqlite"
    # No `vdk login` or `vdk set-default` of the machine's user leaks in.
    monkeypatch.setenv("VDK_BASE_CONFIG_FOLDER", str(tmp_path / "vdk-config"))
    monkeypatch.delenv("VDK_API_TOKEN", raising=False)
    # One retry, as a slow network gets; vdk-control-cli's default of 10 with back-off would
    # make a test of a failing service wait for minutes.
    monkeypatch.setenv("VDK_CONTROL_HTTP_TOTAL_RETRIES", "1")
    monkeypatch.setenv("VDK_CONTROL_HTTP_CONNECT_RETRIES", "0")
    with ControlServiceStandIn(cloud_runtime.run) as service:
        service.cloud_database = cloud_runtime.database
        monkeypatch.setenv("VDK_CONTROL_SERVICE_REST_API_URL", service.url)
        yield service
        assert service.violations == [], "requests or answers that stray from the API document"


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session (postgres_server.py), or the test is skipped
    with one line saying why none could be started."""
    import os

    from postgres_server import REQUIRE_VARIABLE
    from postgres_server import Unavailable
    from postgres_server import start_server

    try:
        server = start_server()
    except Unavailable as e:
        if os.environ.get(REQUIRE_VARIABLE):
            pytest.fail(f"No PostgreSQL server could be started ({REQUIRE_VARIABLE} is set): {e}")
        pytest.skip(f"No PostgreSQL server could be started: {e}")
    yield server
    server.stop()


@pytest.fixture
def postgres(postgres_server):
    """A fresh database on the session's server, dropped after the test."""
    database = postgres_server.database()
    yield database
    postgres_server.drop(database.name)
