"""Executed notebooks go where only their user can reach them, each run in a folder of its own,
and appear only whole: a folder another user planted (or a link to elsewhere) is refused with a
message, two runs in the same microsecond do not share a folder, a run killed while writing leaves
nothing behind, and a report never says `succeeded` for a run that failed."""
from __future__ import annotations

import os
import pathlib
import resource
import signal
import subprocess
import sys

import nbformat
import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record

VDK = pathlib.Path(sys.executable).parent / "vdk"
NOBODY = 65534
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a folder another user's needs root")


@pytest.fixture
def default_folder(tmp_path, monkeypatch) -> pathlib.Path:
    """The default report folder of this user (no NOTEBOOK_REPORT_DIRECTORY)."""
    monkeypatch.delenv("VDK_NOTEBOOK_REPORT_DIRECTORY", raising=False)
    (tmp_path / "vdk-temp").mkdir()
    return tmp_path / "vdk-temp" / f"vdk-notebook-reports-{os.geteuid()}"


def run_notebook_job(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [code(record("ran"))])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()  # the job itself runs on
    assert db.events() == ["ran"]
    return outcome


@needs_root
def test_a_default_folder_pre_created_by_another_user_is_refused(job, run_job, db, default_folder):
    default_folder.mkdir(mode=0o777)
    os.chown(default_folder, NOBODY, NOBODY)
    outcome = run_notebook_job(job, run_job, db)
    assert f"The report folder {default_folder} is owned by another user (" in outcome.output
    assert "set NOTEBOOK_REPORT_DIRECTORY to a folder of your own" in outcome.output
    assert list(default_folder.iterdir()) == []


def test_a_link_planted_as_the_default_folder_is_not_followed(job, run_job, db, default_folder, tmp_path):
    elsewhere = tmp_path / "chosen-by-someone-else"
    elsewhere.mkdir()
    default_folder.symlink_to(elsewhere)
    outcome = run_notebook_job(job, run_job, db)
    assert f"The report folder {default_folder} is a symbolic link (to {elsewhere})" in outcome.output
    assert list(elsewhere.iterdir()) == []


@needs_root
def test_a_job_folder_owned_by_another_user_is_refused(job, run_job, db, tmp_path):
    planted = tmp_path / "reports" / "my-job"  # under the NOTEBOOK_REPORT_DIRECTORY of the tests
    planted.mkdir(parents=True)
    os.chown(planted, NOBODY, NOBODY)
    outcome = run_notebook_job(job, run_job, db)
    assert f"The report folder {planted} is owned by another user" in outcome.output
    assert list(planted.iterdir()) == []


def test_an_own_default_folder_with_loose_permissions_is_tightened(job, run_job, db, default_folder):
    default_folder.mkdir(mode=0o755)
    os.chmod(default_folder, 0o755)
    run_notebook_job(job, run_job, db)
    assert oct(default_folder.stat().st_mode & 0o777) == "0o700"
    assert list(default_folder.glob("my-job/*/20_notebook.ipynb"))


def test_two_runs_starting_in_the_same_microsecond_get_folders_of_their_own(tmp_path):
    from vdk.plugin.notebook.engine.report import write_in
    from vdk.plugin.notebook.engine.report_folder import ReportFolder

    same_start = "20261125T120000.000000Z"
    first = ReportFolder(str(tmp_path / "reports"), None, "my-job", started=same_start)
    second = ReportFolder(str(tmp_path / "reports"), None, "my-job", started=same_start)
    write_in(first.open(), "nb.ipynb", "first run")
    write_in(second.open(), "nb.ipynb", "second run")
    assert first.path.name == same_start and second.path.name == same_start + "-2"
    assert (first.path / "nb.ipynb").read_text() == "first run"
    assert (second.path / "nb.ipynb").read_text() == "second run"


def _write(folder, name: str, text: str) -> None:
    from vdk.plugin.notebook.engine.report import write_in

    fd = folder.open()
    try:
        write_in(fd, name, text)
    finally:
        os.close(fd)


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("swapped", ["after the check at job start", "after the first report"])
def test_a_link_swapped_in_for_the_job_folder_during_the_run_does_not_redirect_reports(
        tmp_path, swapped):
    """The run's folder is reached through the descriptors checked once (report_folder.py): a
    link put in place of the job folder later leads nothing elsewhere; reports stay in the
    folder the run checked and created, and the descriptors are closed when the run lets go."""
    from vdk.plugin.notebook.engine.report_folder import ReportFolder

    before = _open_descriptors()
    folder = ReportFolder(str(tmp_path / "reports"), None, "my-job")
    folder.check()
    if swapped == "after the first report":
        _write(folder, "a.ipynb", "first")
    job_folder, elsewhere = tmp_path / "reports" / "my-job", tmp_path / "elsewhere"
    elsewhere.mkdir()
    job_folder.rename(tmp_path / "moved")
    job_folder.symlink_to(elsewhere)
    _write(folder, "b.ipynb", "second")
    assert list(elsewhere.iterdir()) == []
    (run,) = (tmp_path / "moved").iterdir()
    assert run.name == folder.path.name and oct(run.stat().st_mode & 0o777) == "0o700"
    assert (run / "b.ipynb").read_text() == "second"
    del folder
    assert _open_descriptors() == before


def test_a_run_killed_while_writing_a_report_leaves_no_file_behind(tmp_path):
    """The writing process is killed by the kernel midway (SIGXFSZ: past its file size limit)."""
    folder = tmp_path / "run"
    folder.mkdir()
    # Python ignores SIGXFSZ by default; its default action kills the process on the spot.
    script = ("import pathlib, signal, sys\nsignal.signal(signal.SIGXFSZ, signal.SIG_DFL)\n"
              "from vdk.plugin.notebook.engine.report import write_atomically\n"
              "write_atomically(pathlib.Path(sys.argv[1]) / 'nb.ipynb', 'x' * 4_000_000)\n")

    def file_size_limit_of_1_mb() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    process = subprocess.run([sys.executable, "-c", script, str(folder)], timeout=60,
                             preexec_fn=file_size_limit_of_1_mb, capture_output=True)
    assert process.returncode == -signal.SIGXFSZ, process.stderr
    assert list(folder.iterdir()) == []


def run_vdk(job, db, tmp_path) -> tuple[int, str]:
    env = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(db.path),
               VDK_INGEST_METHOD_DEFAULT="sqlite", VDK_NOTEBOOK_REPORT_DIRECTORY=str(tmp_path / "reports"))
    process = subprocess.run([str(VDK), "run", str(job)], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
    return process.returncode, process.stdout + process.stderr


def the_report(tmp_path):
    [path] = (tmp_path / "reports" / "my-job").glob("*/20_notebook.ipynb")
    return nbformat.read(path, as_version=4)


def test_closing_sys_stderr_in_a_cell_closes_the_cells_stream_only(job, db, tmp_path):
    """As in Jupyter: the cell's stream is closed (writing to it raises ValueError in the
    cell); the job's own stderr, where its log goes, stays open, so the run goes on."""
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code("import sys\nsys.stderr.close()\ntry:\n    print('x', file=sys.stderr)\n"
             "except ValueError as e:\n    print('closed:', e)"),
        code(record("next cell")),
    ])
    returncode, output = run_vdk(job, db, tmp_path)
    assert returncode == 0, output
    assert db.events() == ["next cell"]
    assert "running code cell 2" in output  # the log goes on after the cell
    nb = the_report(tmp_path)
    assert nb.metadata.vdk.status == "succeeded"
    first = [c for c in nb.cells if c.cell_type == "code"][0]
    assert "closed: I/O operation on closed file." in "".join(o.get("text", "") for o in first.outputs)


def test_a_run_that_breaks_outside_the_cells_is_not_reported_as_succeeded(job, db, tmp_path):
    """Closing the process's real stderr breaks the job's logging between cells: the run
    fails, and the report says so instead of `succeeded`."""
    job.notebook("20_notebook.ipynb", [code("import sys\nsys.__stderr__.close()"), code("x = 1")])
    returncode, output = run_vdk(job, db, tmp_path)
    assert returncode == 1, output
    nb = the_report(tmp_path)
    assert nb.metadata.vdk.status == "failed"
    assert "vdk run failed" in nb.cells[0].source and "I/O operation on closed file" in nb.cells[0].source
