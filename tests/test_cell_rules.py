"""Which cells of a notebook run under `vdk run`, and what they find when they do."""
from __future__ import annotations

import os
import re

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown
from notebooks import raw
from notebooks import record

FAIL = "raise RuntimeError('this cell must not run')"


def run_notebook(job, run_job, db, cells):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", cells)
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    return outcome


def test_markdown_and_raw_cells_never_run(job, run_job, db):
    run_notebook(job, run_job, db, [
        markdown("job_input.execute_query(\"INSERT INTO events (what) VALUES ('markdown')\")"),
        raw(FAIL),
        code(record("code")),
    ])
    assert db.events() == ["code"]


@pytest.mark.parametrize("first_line",
                         ["# non-vdk", "#non-vdk", "%% non-vdk", "%%non-vdk", "  # non-vdk  ", "\n# non-vdk"])
def test_cells_marked_non_vdk_on_their_first_line_are_left_out(job, run_job, db, first_line):
    run_notebook(job, run_job, db, [
        code(record("before")),
        code(f"{first_line}\n{FAIL}"),
        code(record("after")),
    ])
    assert db.events() == ["before", "after"]


def test_a_non_vdk_marker_below_the_first_line_does_not_leave_the_cell_out(job, run_job, db):
    run_notebook(job, run_job, db, [code(f"x = 1\n# non-vdk\n{record('ran')}")])
    assert db.events() == ["ran"]


@pytest.mark.parametrize("tag", ["non-vdk", "skip-execution"])
def test_cells_tagged_to_be_left_out_do_not_run(job, run_job, db, tag):
    run_notebook(job, run_job, db, [
        code(record("before")),
        code(FAIL, tags=[tag]),
        code(record("after"), tags=["parameters"]),
    ])
    assert db.events() == ["before", "after"]


def test_once_a_cell_is_tagged_vdk_only_vdk_cells_run(job, run_job, db):
    run_notebook(job, run_job, db, [
        markdown("Not a code cell."),
        code(FAIL),
        code(record("vdk 1"), tags=["vdk"]),
        code(FAIL, tags=["other"]),
        code(FAIL, tags=["vdk", "non-vdk"]),
        code(FAIL, tags=["vdk", "skip-execution"]),
        code(record("vdk 2"), tags=["vdk", "parameters"]),
    ])
    assert db.events() == ["vdk 1", "vdk 2"]


def test_a_vdk_tag_on_a_markdown_cell_does_not_switch_to_vdk_cells_only(job, run_job, db):
    tagged_markdown = markdown("# Notes")
    tagged_markdown["metadata"]["tags"] = ["vdk"]
    run_notebook(job, run_job, db, [tagged_markdown, code(record("untagged"))])
    assert db.events() == ["untagged"]


def test_a_cell_tagged_raises_exception_may_fail_and_the_run_goes_on(job, run_job, db):
    outcome = run_notebook(job, run_job, db, [
        code(record("before")),
        code("raise ValueError('expected in this demo')", tags=["raises-exception"]),
        code(record("after")),
    ])
    assert db.events() == ["before", "after"]
    assert "expected in this demo" in outcome.output
    assert outcome.status == "Success"


def test_cells_share_one_namespace_with_job_input_and_main_name(job, run_job, db):
    run_notebook(job, run_job, db, [
        code("rows = [('a', 1)]\nassert __name__ == '__main__', __name__"),
        code("rows.append(('b', 2))\ndef total():\n    return sum(n for _, n in rows)"),
        code("job_input.send_tabular_data_for_ingestion(rows, ['name', 'n'], 'ingested')"),
        code("job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{job_input.get_name()} {total()}')\")"),
    ])
    assert db.events() == ["my-job 3"]
    assert sorted(db.rows("SELECT name, n FROM ingested")) == [("a", 1), ("b", 2)]


def test_classes_defined_in_a_cell_can_be_pickled_as_in_jupyter(job, run_job, db):
    run_notebook(job, run_job, db, [
        code("import pickle\nclass Order:\n    def __init__(self, n):\n        self.n = n"),
        code("copy = pickle.loads(pickle.dumps(Order(7)))"),
        code("job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{type(copy).__module__} {copy.n}')\")"),
    ])
    assert db.events() == ["__main__ 7"]


def test_top_level_await_runs_on_one_loop_across_cells_as_in_jupyter(job, run_job, db):
    run_notebook(job, run_job, db, [
        code("import asyncio\nasync def double(n):\n    await asyncio.sleep(0.01)\n    return 2 * n"),
        code("value = await double(21)\nlater = asyncio.ensure_future(double(5))"),
        code("job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{value} {await later}')\")"),
    ])
    assert db.events() == ["42 10"]


def test_a_helper_module_beside_the_notebook_can_be_imported(job, run_job, db):
    job.file("cell_rules_helper.py", "def label():\n    return 'from helper'\n")
    run_notebook(job, run_job, db, [
        code("import cell_rules_helper"),
        code("job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{cell_rules_helper.label()}')\")"),
    ])
    assert db.events() == ["from helper"]


def test_vdksql_cells_run_their_body_as_sql_with_job_arguments(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.sql("15_arg.sql", "INSERT INTO events (what) VALUES ('sql step {label}')")
    job.notebook("20_notebook.ipynb", [
        code("%%vdksql\nINSERT INTO events (what)\nVALUES ('sql cell {label}')"),
        code("%%vdksql\nCREATE TABLE copied AS SELECT what FROM events"),
    ])
    outcome = run_job(job, "--arguments", '{"label": "argument"}')
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["sql step argument", "sql cell argument"]
    assert db.rows("SELECT count(*) FROM copied") == [(2,)]


def test_vdksql_cells_are_recognised_as_in_jupyter_and_empty_ones_are_left_out(job, run_job, db):
    # IPython, and so Jupyter, reads a cell magic from the first non-blank line.
    run_notebook(job, run_job, db, [
        code("\n\n%%vdksql\nINSERT INTO events (what) VALUES ('after blank lines')"),
        code("%%vdksql\n"),
        code("%%vdksql\n   \n"),
        code(record("next cell")),
    ])
    assert db.events() == ["after blank lines", "next cell"]


def test_skip_remaining_steps_stops_the_remaining_cells_and_steps(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code(record("before")),
        code("job_input.skip_remaining_steps()"),
        code(record("next cell")),
    ])
    job.py("30_next.py", record("next step"))
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert outcome.status == "Success"
    assert db.events() == ["before"]


def test_skip_remaining_steps_is_not_swallowed_by_a_raises_exception_tag(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code("job_input.skip_remaining_steps()", tags=["raises-exception"]),
        code(record("next cell")),
    ])
    job.py("30_next.py", record("next step"))
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == []


@pytest.mark.parametrize("cells", [
    [markdown("# Only prose")],
    [code(FAIL, tags=["non-vdk"]), code("   \n\n"), raw(FAIL)],
    [],
], ids=["markdown only", "all left out or empty", "no cells"])
@pytest.mark.parametrize("arguments", [(), ("--arguments", '{"day": "2026-11-25"}')], ids=["", "with arguments"])
def test_a_notebook_without_runnable_cells_is_not_runnable_and_does_not_fail(job, run_job, db, cells, arguments):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_empty.ipynb", cells)
    job.py("30_next.py", record("next step"))
    outcome = run_job(job, *arguments)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["next step"]
    assert re.search(r"^20_empty.ipynb - NOT_RUNNABLE$", outcome.output, re.MULTILINE), outcome.output


@pytest.mark.parametrize("last_cell, exit_code", [(record("done"), 0), ("1 / 0", 1)], ids=["success", "failure"])
def test_running_a_job_never_changes_the_notebook_file(job, run_job, db, last_cell, exit_code):
    job.sql("10_create.sql", CREATE_EVENTS)
    path = job.notebook("20_notebook.ipynb", [
        code("%time x = 1", count=3),
        code("!echo hello"),
        code("print('output that Jupyter would save')"),
        code(last_cell),
    ])
    os.utime(path, (1_600_000_000, 1_600_000_000))
    before = path.read_bytes()
    outcome = run_job(job)
    assert outcome.exit_code == exit_code, outcome.explain()
    assert path.read_bytes() == before
    assert os.stat(path).st_mtime == 1_600_000_000
    assert sorted(p.name for p in job.path.iterdir()) == ["10_create.sql", "20_notebook.ipynb"]


def test_each_notebook_has_its_own_namespace(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_first.ipynb", [code("shared = 'from the first notebook'\n" + record("first"))])
    job.notebook("30_second.ipynb", [code("try:\n    shared\nexcept NameError:\n    " + record("fresh namespace"))])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["first", "fresh namespace"]
