"""A job written for the old vdk-notebook plugin (cells tagged `vdk`, `%%vdksql` cells, untagged
exploration cells that fail outside Jupyter) runs unchanged.

The job in tests/jobs/old-plugin-job follows that plugin's conventions and test jobs: notebooks
saved by Jupyter with PyCharm and ExecuteTime metadata, saved outputs, a .sql and a .py step.
"""
from __future__ import annotations

import pathlib
import re
import shutil

OLD_JOB = pathlib.Path(__file__).parent / "jobs" / "old-plugin-job"


def test_a_job_written_for_the_old_plugin_runs_unchanged(tmp_path, run_job, db):
    job = tmp_path / "old-plugin-job"
    shutil.copytree(OLD_JOB, job)
    before = {p.name: p.read_bytes() for p in job.iterdir()}

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    assert db.rows("SELECT userId, id, title, completed FROM rest_target_table ORDER BY id") == [
        (2, 2, "ingested by the .py step", 1),
    ]
    assert db.rows("SELECT userId, id, title, completed FROM rest_target_table_magic") == [
        (1, 1, "delectus aut autem", 0),
    ]
    summary = outcome.output[outcome.output.index("Step results:"):]
    assert re.findall(r"^(\S+) - (\w+)$", summary, re.MULTILINE) == [
        ("10_delete_table.sql", "SUCCESS"),
        ("20_create_table.ipynb", "SUCCESS"),
        ("30_ingest.py", "SUCCESS"),
        ("40_steps.ipynb", "SUCCESS"),
    ]
    assert re.search(r"40_steps.ipynb\b.*\b5 of 9 code cells", outcome.output), "only the vdk cells run"
    assert {p.name: p.read_bytes() for p in job.iterdir()} == before


def test_running_it_twice_gives_the_same_rows(tmp_path, run_job, db):
    # The old job drops and recreates its tables: a second run must not fail or duplicate.
    job = tmp_path / "old-plugin-job"
    shutil.copytree(OLD_JOB, job)
    assert run_job(job).exit_code == 0
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.rows("SELECT count(*) FROM rest_target_table") == [(1,)]
    assert db.rows("SELECT count(*) FROM rest_target_table_magic") == [(1,)]
