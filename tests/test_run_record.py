"""The run record and the repair plan (job/run_record.py) on records as a run leaves them: the
cases the subprocess tests (test_repair.py) do not reach, in milliseconds."""
from __future__ import annotations

import json
import os
import pathlib
import socket

import pytest

from vdk.plugin.notebook.job import run_record
from vdk.plugin.notebook.job.repair_plan import JobStep
from vdk.plugin.notebook.job.repair_plan import PlanError
from vdk.plugin.notebook.job.repair_plan import repair_plan


def record(run_id: str, outcomes: dict[str, str], files: dict[str, pathlib.Path], status="failed",
           arguments=None, pid=None) -> dict:
    return {
        "version": run_record.RECORD_VERSION, "run_id": run_id, "job": "job", "kind": "run",
        "arguments": run_record.arguments_fingerprint(arguments), "status": status,
        "started": f"2026-12-07T0{run_id[-1]}:00:00+00:00", "ended": None,
        "pid": pid or 1, "host": socket.gethostname(),
        "steps": [{"name": name, "outcome": outcome,
                   "fingerprint": run_record.file_fingerprint(files.get(name))}
                  for name, outcome in outcomes.items()],
    }


@pytest.fixture
def steps(tmp_path) -> list[JobStep]:
    names = ["10_a.py", "20_b.sql", "30_c.sql"]
    for name in names:
        (tmp_path / name).write_text(f"-- {name}")
    return [JobStep(name, tmp_path / name) for name in names]


def files(steps):
    return {s.name: s.file for s in steps}


def test_a_step_added_since_the_last_run_counts_as_changed(tmp_path, steps):
    last = record("run-1", {"10_a.py": "succeeded", "30_c.sql": "succeeded"}, files(steps),
                  status="succeeded")
    plan = repair_plan(tmp_path, steps=steps, records=[last])
    assert [(s.action, s.reason) for s in plan.steps][1:] == [
        ("run", "new since run run-1"), ("run", "after a step that runs")]


def test_a_record_left_running_by_a_dead_process_reads_as_interrupted(tmp_path, steps):
    folder = tmp_path / "records"
    folder.mkdir()
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    left = record("run-1", {"10_a.py": "succeeded", "20_b.sql": "running", "30_c.sql": "not run"},
                  files(steps), status="running", pid=dead)
    run_record.write_record(folder, left)
    [read] = run_record.read_records(folder)
    assert read["status"] == "interrupted"
    assert [s["outcome"] for s in read["steps"]] == ["succeeded", "interrupted", "not run"]
    assert [p.name for p in folder.iterdir()] == ["run-1.json"]  # no temporary file left
    (folder / f".run-0.{dead}.tmp").write_text('{"half": ')  # a run killed while writing
    run_record.prune_records(folder)
    assert [p.name for p in folder.iterdir()] == ["run-1.json"]
    plan = repair_plan(tmp_path, steps=steps, records=[read])
    assert plan.steps[1].reason == "interrupted in run run-1"


def test_a_run_going_on_now_is_not_repaired(tmp_path, steps):
    going = record("run-1", {"10_a.py": "running"}, files(steps), status="running", pid=os.getpid())
    with pytest.raises(PlanError, match=r"is running now \(run run-1, pid \d+\)"):
        repair_plan(tmp_path, steps=steps, records=[going])


def test_a_step_skipped_by_a_repair_keeps_the_success_of_the_run_before(tmp_path, steps):
    first = record("run-1", {"10_a.py": "succeeded", "20_b.sql": "failed", "30_c.sql": "not run"},
                   files(steps))
    second = record("run-2", {"10_a.py": "skipped", "20_b.sql": "succeeded", "30_c.sql": "succeeded"},
                    files(steps), status="succeeded")
    plan = repair_plan(tmp_path, steps=steps, records=[second, first])
    assert plan.to_run == []
    assert plan.steps[0].reason.startswith("succeeded in run run-1 at 2026-12-07 01:00:00 UTC")
    steps[0].file.write_text("-- changed")
    plan = repair_plan(tmp_path, steps=steps, records=[second, first])
    assert [(s.action, s.reason) for s in plan.steps] == [
        ("run", "changed since it last succeeded"), ("run", "after a step that runs"),
        ("run", "after a step that runs")]


def test_records_live_in_the_data_folder_never_in_the_job(tmp_path):
    job = tmp_path / "my-job"
    job.mkdir()
    folder = run_record.records_folder(job, {"XDG_DATA_HOME": str(tmp_path / "data")})
    assert folder.parent == tmp_path / "data" / "vdk-jupyter" / "runs"
    assert job not in folder.parents
    assert not run_record.recording_wanted({"VDK_OP_ID": "op-1"})


def test_outputs_saved_in_a_notebook_do_not_change_its_fingerprint(tmp_path):
    path = tmp_path / "n.ipynb"
    cell = {"cell_type": "code", "id": "c1", "source": "x = 1", "metadata": {}, "outputs": [],
            "execution_count": None}

    def write(*cells):
        path.write_text(json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4,
                                    "nbformat_minor": 5}))

    write(cell)
    before = run_record.file_fingerprint(path)
    write(dict(cell, outputs=[{"output_type": "stream", "name": "stdout", "text": "1"}],
               execution_count=3),
          {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "notes"})
    assert run_record.file_fingerprint(path) == before
    write(dict(cell, source="x = 2"))
    assert run_record.file_fingerprint(path) != before


def test_steps_the_job_itself_skipped_are_not_rerun_unless_changed(tmp_path, steps):
    last = record("run-1", {"10_a.py": "succeeded", "20_b.sql": "skipped", "30_c.sql": "skipped"},
                  files(steps), status="succeeded")
    for entry in last["steps"][1:]:
        entry.update(by_job=True, reason="10_a.py called skip_remaining_steps()")
    plan = repair_plan(tmp_path, steps=steps, records=[last])
    assert plan.to_run == []
    assert plan.steps[2].reason == "left out by the job in run run-1 (10_a.py called skip_remaining_steps())"
    steps[2].file.write_text("-- changed")
    assert repair_plan(tmp_path, steps=steps, records=[last]).to_run == ["30_c.sql"]


def test_a_local_run_leaves_a_record_and_a_cloud_run_none(job, run_job, monkeypatch, tmp_path):
    from notebooks import code

    job.sql("10_create.sql", "CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    job.notebook("20_fill.ipynb", [
        code("x = 1"),
        code("job_input.execute_query('INSERT INTO t VALUES (1 / 0)')\nraise ValueError('bad row')")])
    folder = run_record.records_folder(job.path)
    monkeypatch.setenv("VDK_OP_ID", "op-in-the-cloud")  # the Control Service's job container
    assert run_job(job).exit_code == 1
    assert not folder.exists()
    monkeypatch.delenv("VDK_OP_ID")
    assert run_job(job).exit_code == 1
    [read] = run_record.read_records(folder)
    assert read["status"] == "failed" and read["kind"] == "run"
    assert [(s["name"], s["outcome"]) for s in read["steps"]] == [("10_create.sql", "succeeded"),
                                                               ("20_fill.ipynb", "failed")]
    assert read["steps"][1]["failed_cell"] == {"number": 2, "id": "cell-1", "line": 2}
    assert read["steps"][1]["error"] == "ValueError: bad row"
    assert folder.parent == tmp_path / "data" / "vdk-jupyter" / "runs"


def test_a_record_whose_pid_now_belongs_to_another_process_reads_as_interrupted(tmp_path, steps):
    folder = tmp_path / "records"
    folder.mkdir()
    reused = record("run-1", {"10_a.py": "running"}, files(steps), status="running", pid=os.getpid())
    reused["pid_start"] = "1"  # this process started later than that
    run_record.write_record(folder, reused)
    assert run_record.read_records(folder)[0]["status"] == "interrupted"
    reused["pid_start"] = run_record.process_start(os.getpid())
    run_record.write_record(folder, reused)
    assert run_record.read_records(folder)[0]["status"] == "running"


def test_changes_appended_to_a_record_are_read_in_order_and_a_cut_last_line_is_passed_over(
        tmp_path, steps):
    """A run writes its record once and appends each change; killed while appending, it can
    leave half a line at the end."""
    folder = tmp_path / "records"
    folder.mkdir()
    started = record("run-1", {"10_a.py": "not run", "20_b.sql": "not run"}, files(steps),
                     status="running", pid=os.getpid())
    run_record.write_record(folder, started)
    run_record.append_change(folder, "run-1", {"step": "10_a.py", "outcome": "running"})
    run_record.append_change(folder, "run-1", {"step": "10_a.py", "outcome": "succeeded",
                                               "ended": "2026-12-07T01:00:01+00:00"})
    run_record.append_change(folder, "run-1", {"step": "20_b.sql", "outcome": "failed",
                                               "error": "OperationalError: no such table: x"})
    run_record.append_change(folder, "run-1", {"status": "failed"})
    [read] = run_record.read_records(folder)
    assert read["status"] == "failed"
    assert [(s["name"], s["outcome"]) for s in read["steps"]] == [
        ("10_a.py", "succeeded"), ("20_b.sql", "failed")]
    assert read["steps"][1]["error"] == "OperationalError: no such table: x"

    with open(folder / "run-1.json", "a", encoding="utf-8") as out:
        out.write('{"status": "succ')  # the process died in the middle of this write
    [read] = run_record.read_records(folder)
    assert read["status"] == "failed"
    assert (folder / "run-1.json").read_text().count("\n") == 5  # nothing rewritten by reading
