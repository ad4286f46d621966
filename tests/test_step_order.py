"""Notebooks take their place among a job's .sql and .py steps by file name, as vdk-core orders
steps, and only top-level, visible *.ipynb files are steps."""
from __future__ import annotations

import re

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown
from notebooks import record


def test_mixed_steps_and_many_cells_run_in_file_name_order(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    # Twelve cells: cell 10 and up must not run before cell 2 (no sorting of cells by name).
    job.notebook("20_load.ipynb", [markdown("# Load")] + [code(record(f"20 cell {i}")) for i in range(1, 13)])
    job.py("25_check.py", record("25 py"))
    job.notebook("30_transform.ipynb", [code(record("30 cell 1")), code(record("30 cell 2"))])
    job.sql("40_publish.sql", "INSERT INTO events (what) VALUES ('40 sql')")

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == (
        [f"20 cell {i}" for i in range(1, 13)]
        + ["25 py", "30 cell 1", "30 cell 2", "40 sql"]
    )


def test_names_sort_as_strings_like_vdk_core_does(job, run_job, db):
    # vdk-core sorts file names as strings: nb_1 < nb_10 < nb_2, and upper case before lower.
    job.sql("A_create.sql", CREATE_EVENTS)
    job.notebook("nb_2.ipynb", [code(record("nb_2.ipynb"))])
    job.notebook("nb_10.ipynb", [code(record("nb_10.ipynb"))])
    job.py("nb_1.py", record("nb_1.py"))
    job.sql("nb_3.sql", "INSERT INTO events (what) VALUES ('nb_3.sql')")
    job.notebook("Z_upper.ipynb", [code(record("Z_upper.ipynb"))])
    job.py("a_lower.py", record("a_lower.py"))

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == [
        "Z_upper.ipynb", "a_lower.py", "nb_1.py", "nb_10.ipynb", "nb_2.ipynb", "nb_3.sql",
    ]


def test_run_summary_names_the_notebook_step_by_its_file_name(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_transform.ipynb", [code(record("nb"))])
    job.py("30_publish.py", record("py"))

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    summary = outcome.output[outcome.output.index("Step results:"):]
    assert re.findall(r"^(\S+) - (\w+)$", summary, re.MULTILINE) == [
        ("10_create.sql", "SUCCESS"),
        ("20_transform.ipynb", "SUCCESS"),
        ("30_publish.py", "SUCCESS"),
    ]


def test_hidden_checkpoint_and_nested_notebooks_are_not_steps(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_real.ipynb", [code(record("20_real"))])
    # Each of these would record a row, or fail the job, if it were taken for a step.
    job.notebook(".ipynb_checkpoints/20_real-checkpoint.ipynb", [code(record("checkpoint"))])
    job.notebook(".hidden.ipynb", [code(record("hidden"))])
    job.notebook("drafts/30_draft.ipynb", [code(record("draft"))])
    job.file(".broken-autosave.ipynb", "{ not json")
    job.file("drafts/broken.ipynb", "{ not json")
    job.file("data.ipynb/readme.txt", "a folder whose name ends in .ipynb")

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["20_real"]
    assert "checkpoint" not in outcome.output.split("Step results:")[1]


def test_notebook_names_with_spaces_and_accents_are_steps_like_any_other(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20 daily report (v2).ipynb", [code(record("spaces"))])
    job.notebook("30_café.ipynb", [code(record("accent")), code("raise ValueError('in the café')", cell_id="c")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert db.events() == ["spaces", "accent"]
    assert "20 daily report (v2).ipynb - SUCCESS" in outcome.output
    assert "Where: 30_café.ipynb, code cell 2 (id c), line 1:" in outcome.output
