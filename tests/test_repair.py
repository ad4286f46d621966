"""`vdk repair` through the installed `vdk`, in its own process, as a user runs it: the job of
issue 21 (10_extract.py -> 20_clean.ipynb -> 30_model.ipynb -> 40_publish.sql), each step
appending a row to `runs_log` each time it runs, so the rows say exactly which steps ran."""
from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from notebooks import code
from notebooks import markdown

from vdk.plugin.notebook.job.run_record import read_records
from vdk.plugin.notebook.job.run_record import records_folder

VDK = pathlib.Path(sys.executable).parent / "vdk"


def log_row(step: str) -> str:
    """Python that appends (step, the job argument `day`) to runs_log."""
    return ("job_input.execute_query(\"INSERT INTO runs_log (step, day) VALUES "
            f"('{step}', '\" + str(job_input.get_arguments().get('day')) + \"')\")")


def model_cells(threshold: int) -> list[dict]:
    """30_model.ipynb: cell 7 fails while the threshold is 0, before it writes its row."""
    cells = [markdown("# Model")]
    cells += [code(f"x{i} = {i}") for i in range(1, 3)]
    cells += [code(f"threshold = {threshold}", cell_id="threshold")]
    cells += [code(f"y{i} = {i}") for i in range(4, 7)]
    cells += [code("assert threshold > 0, 'the threshold must be positive'\n" + log_row("30_model"),
                   cell_id="check")]
    return cells


@pytest.fixture
def env(tmp_path, monkeypatch):
    values = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE",
                  VDK_SQLITE_FILE=str(tmp_path / "warehouse.sqlite"),
                  VDK_INGEST_METHOD_DEFAULT="sqlite")
    values.pop("SLOW_STEP", None)
    return values


@pytest.fixture
def pipeline(job):
    job.file("10_extract.py", f"""\
        import os, time

        def run(job_input):
            job_input.execute_query("CREATE TABLE IF NOT EXISTS runs_log (step TEXT, day TEXT)")
            if os.environ.get("SLOW_STEP") == "10_extract.py":  # until the test releases it
                release = os.environ.get("RELEASE_FILE", "")
                deadline = time.monotonic() + 120
                while not os.path.exists(release) and time.monotonic() < deadline:
                    time.sleep(0.05)
            {log_row("10_extract")}
        """)
    job.notebook("20_clean.ipynb", [code("cleaned = True"), code(log_row("20_clean"))])
    job.notebook("30_model.ipynb", model_cells(threshold=0))
    job.sql("40_publish.sql", "INSERT INTO runs_log (step, day) VALUES ('40_publish', '{day}')")
    return job


def vdk(env, *args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(VDK), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=180)


def rows(tmp_path) -> list[str]:
    import sqlite3

    with sqlite3.connect(tmp_path / "warehouse.sqlite") as connection:
        return [step for (step,) in connection.execute("SELECT step FROM runs_log ORDER BY rowid")]


def plan_lines(output: str) -> dict[str, tuple[str, str]]:
    """The printed plan: step -> (run/skip, reason)."""
    found = {}
    for line in output.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("run", "skip") and "." in parts[1]:
            found[parts[1]] = (parts[0], parts[2])
    return found


ALL = ["10_extract", "20_clean", "30_model", "40_publish"]


def test_fail_fix_repair_and_the_choices_a_user_has(pipeline, env, tmp_path):
    job = str(pipeline)
    arguments = ["--arguments", json.dumps({"day": "2026-12-01"})]
    failed = vdk(env, "run", job, *arguments, cwd=tmp_path)
    assert failed.returncode == 1
    assert rows(tmp_path) == ["10_extract", "20_clean"]
    run_id = read_records(records_folder(pipeline.path))[0]["run_id"]

    # The fix, then the plan: nothing runs, nothing is written.
    pipeline.notebook("30_model.ipynb", model_cells(threshold=5))
    dry = vdk(env, "repair", job, *arguments, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    plan = plan_lines(dry.stdout)
    assert plan["10_extract.py"] == ("skip", plan["10_extract.py"][1])
    assert plan["10_extract.py"][1].startswith(f"succeeded in run {run_id} at ")
    assert plan["10_extract.py"][1].endswith(", unchanged")
    assert plan["20_clean.ipynb"][0] == "skip"
    assert plan["30_model.ipynb"] == ("run", f"failed at code cell 7 in run {run_id}")
    assert plan["40_publish.sql"] == ("run", "after a step that runs")
    assert rows(tmp_path) == ["10_extract", "20_clean"]
    assert len(read_records(records_folder(pipeline.path))) == 1

    # The repair: the rows are those of one clean run; VDK's summary lists the skipped steps.
    repaired = vdk(env, "repair", job, *arguments, cwd=tmp_path)
    output = repaired.stdout + repaired.stderr
    assert repaired.returncode == 0, output
    assert plan_lines(repaired.stdout) == plan
    assert rows(tmp_path) == ALL
    assert "10_extract.py - SKIP_REQUESTED" in output and "20_clean.ipynb - SKIP_REQUESTED" in output
    assert "30_model.ipynb - SUCCESS" in output and "40_publish.sql - SUCCESS" in output
    reports = list((tmp_path / "vdk-temp").glob(f"vdk-notebook-reports-*/my-job/*-repair-of-{run_id}"))
    assert [p.name for r in reports for p in r.iterdir()] == ["30_model.ipynb"]

    # Again: nothing failed or changed, nothing runs.
    again = vdk(env, "repair", job, *arguments, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Nothing failed or changed" in again.stdout
    assert {action for action, _ in plan_lines(again.stdout).values()} == {"skip"}
    assert rows(tmp_path) == ALL

    # Step 20 changed: 20, 30 and 40 run again, 10 does not.
    pipeline.notebook("20_clean.ipynb", [code("cleaned = 'twice'"), code(log_row("20_clean"))])
    changed = vdk(env, "repair", job, *arguments, cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert plan_lines(changed.stdout)["20_clean.ipynb"] == ("run", "changed since it last succeeded")
    assert rows(tmp_path) == ALL + ["20_clean", "30_model", "40_publish"]

    before = rows(tmp_path)
    from_step = vdk(env, "repair", job, *arguments, "--from-step", "30_model.ipynb", cwd=tmp_path)
    assert from_step.returncode == 0, from_step.stderr
    assert rows(tmp_path) == before + ["30_model", "40_publish"]

    before = rows(tmp_path)
    only = vdk(env, "repair", job, *arguments, "--step", "10_extract.py", "--step", "40_publish.sql",
               cwd=tmp_path)
    assert only.returncode == 0, only.stderr
    assert rows(tmp_path) == before + ["10_extract", "40_publish"]
    assert plan_lines(only.stdout)["20_clean.ipynb"][0] == "skip"

    unknown = vdk(env, "repair", job, "--step", "35_missing.py", cwd=tmp_path)
    assert unknown.returncode == 2
    assert ("Data job 'my-job' has no step '35_missing.py'. Its steps: 10_extract.py, "
            "20_clean.ipynb, 30_model.ipynb, 40_publish.sql.") in unknown.stderr
    assert "Traceback" not in unknown.stderr

    # Other arguments: every step counts as changed.
    before = rows(tmp_path)
    other = vdk(env, "repair", job, "--arguments", json.dumps({"day": "2026-12-02"}), cwd=tmp_path)
    assert other.returncode == 0, other.stderr
    assert "The arguments differ from that run's" in other.stdout
    assert plan_lines(other.stdout)["10_extract.py"][1].startswith("the arguments differ from those of run")
    assert rows(tmp_path) == before + ALL


def test_no_previous_run_says_so_and_runs_nothing(pipeline, env, tmp_path):
    result = vdk(env, "repair", str(pipeline), cwd=tmp_path)
    assert result.returncode == 1
    assert "Data job 'my-job' has no local run on record, so there is nothing to repair." in result.stderr
    assert f"vdk repair {pipeline.path} --from-step STEP" in result.stderr
    assert not (tmp_path / "warehouse.sqlite").exists()


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _running_step(job, kind="run"):
    for record in read_records(records_folder(job.path)):
        if record["kind"] == kind and record["status"] == "running":
            return next((s["name"] for s in record["steps"] if s["outcome"] == "running"), None)
    return None


def test_a_run_killed_with_sigkill_reads_as_interrupted(pipeline, env, tmp_path):
    slow = dict(env, SLOW_STEP="10_extract.py")
    process = subprocess.Popen([str(VDK), "run", str(pipeline)], env=slow, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _running_step(pipeline) == "10_extract.py")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    [record] = read_records(records_folder(pipeline.path))
    assert record["status"] == "interrupted"
    dry = vdk(env, "repair", str(pipeline), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    plan = plan_lines(dry.stdout)
    assert plan["10_extract.py"] == ("run", f"interrupted in run {record['run_id']}")
    assert f"run {record['run_id']} of data job 'my-job' (interrupted at" in dry.stdout


def test_a_second_repair_at_once_is_refused_and_nothing_interleaves(pipeline, env, tmp_path):
    pipeline.notebook("30_model.ipynb", model_cells(threshold=5))
    assert vdk(env, "run", str(pipeline), cwd=tmp_path).returncode == 0
    release = tmp_path / "release"
    slow = dict(env, SLOW_STEP="10_extract.py", RELEASE_FILE=str(release))
    first = subprocess.Popen([str(VDK), "repair", str(pipeline), "--from-step", "10_extract.py"],
                             env=slow, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    try:
        _wait_for(lambda: _running_step(pipeline, "repair") == "10_extract.py")
        second = vdk(env, "repair", str(pipeline), "--from-step", "30_model.ipynb", cwd=tmp_path)
        release.touch()
        output, _ = first.communicate(timeout=120)
    finally:
        first.kill()
    assert second.returncode == 1
    assert "Another repair of data job 'my-job' is running (pid " in second.stderr
    assert first.returncode == 0, output
    assert rows(tmp_path) == ALL + ALL
