"""Job arguments and plugin options that the notebook steps cannot use are user errors found at
job start, naming the argument or option and saying what to do; arguments whose names look
secret are masked in reports while the cells get the real values."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from notebooks import CREATE_EVENTS
from notebooks import code


def earlier_step(job) -> None:
    job.py("10_insert.py", """
        job_input.execute_query("CREATE TABLE marks (what TEXT)")
        job_input.execute_query("INSERT INTO marks VALUES ('10_insert.py ran')")
    """)


def assert_user_error_before_any_step(outcome, db, *texts):
    assert outcome.exit_code == 1, outcome.explain()
    assert outcome.status == "User error", outcome.explain()
    assert "marks" not in db.tables(), "the .py step before the notebook ran"
    for text in texts:
        assert text in outcome.output, outcome.output
    assert "prerequisite or plugin" not in outcome.output


def test_an_argument_nested_300_levels_is_a_user_error_naming_it(job, run_job, db):
    earlier_step(job)
    job.notebook("20_nb.ipynb", [code("deep = []\nday = 1", tags=["parameters"]), code("x = deep")])
    arguments = json.dumps({"day": 2, "deep": json.loads("[" * 300 + "]" * 300)})
    outcome = run_job(job, "--arguments", arguments)
    assert_user_error_before_any_step(
        outcome, db, "The job argument 'deep' is nested too deeply", "Where: 20_nb.ipynb",
        "What to do: Pass 'deep' as a JSON string")


@pytest.mark.parametrize("name", ["job_input", "print", "__builtins__"])
@pytest.mark.parametrize("with_parameters_cell", [True, False], ids=["parameters cell", "none"])
def test_an_argument_that_would_break_the_namespace_is_a_user_error(
    job, run_job, db, name, with_parameters_cell
):
    earlier_step(job)
    cells = [code("print('hello')")]
    if with_parameters_cell:
        cells.insert(0, code("day = 1", tags=["parameters"]))
    job.notebook("20_nb.ipynb", cells)
    outcome = run_job(job, "--arguments", json.dumps({name: 1}))
    assert_user_error_before_any_step(
        outcome, db, f"Job arguments {name!r} would replace names the notebook's cells rely on",
        "Where: 20_nb.ipynb", "What to do: Rename the arguments")


def test_a_builtin_name_the_parameters_cell_assigns_itself_is_injected(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [
        code("id = 0", tags=["parameters"]),
        code("job_input.execute_query(f\"INSERT INTO events (what) VALUES ('id {id}')\")"),
    ])
    outcome = run_job(job, "--arguments", '{"id": 7}')
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["id 7"]


OUT_OF_RANGE = {
    "timeout nan": ("NOTEBOOK_CELL_TIMEOUT", "nan", "a number of seconds, 0 or more"),
    "timeout inf": ("NOTEBOOK_CELL_TIMEOUT", "inf", "a number of seconds, 0 or more"),
    "timeout -1": ("NOTEBOOK_CELL_TIMEOUT", "-1", "a number of seconds, 0 or more"),
    "output limit -1": ("NOTEBOOK_REPORT_OUTPUT_LIMIT", "-1", "a whole number of characters, 0 or more"),
}


@pytest.mark.parametrize("key, value, allowed", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_an_option_out_of_range_is_a_user_error_at_job_start(
    job, run_job, db, monkeypatch, key, value, allowed
):
    monkeypatch.setenv(f"VDK_{key}", value)
    earlier_step(job)
    job.notebook("20_nb.ipynb", [code("x = 1")])
    outcome = run_job(job)
    assert_user_error_before_any_step(outcome, db, f"The option {key} is set to", f"it takes {allowed}",
                                      f"VDK_{key}")


def test_secret_looking_arguments_are_masked_in_reports_and_logs(job, run_job, db, tmp_path, monkeypatch):
    pytest.importorskip("nbconvert")
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code("db_password = ''\nday = ''", tags=["parameters"]),
        # Compared reversed, not written: vdk-core logs every query, and the report keeps the cell.
        code("real = (db_password[::-1], conn['api_token'][::-1]) == ('wp-terc3s', 'eulav-nek0t')\n"
             "job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{real} {day} "
             "{conn['host']}')\")"),
    ])
    arguments = {"db_password": "s3cret-pw", "day": "2026-11-25",
                 "conn": {"host": "db.local", "api_token": "t0ken-value"}}
    monkeypatch.setenv("VDK_NOTEBOOK_REPORT_HTML", "true")
    outcome = run_job(job, "--arguments", json.dumps(arguments))
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["True 2026-11-25 db.local"]  # the cells got the real values
    [report] = (tmp_path / "reports" / "my-job").glob("*/20_notebook.ipynb")
    [html] = report.parent.glob("*.html")
    nb = nbformat.read(report, as_version=4)
    [injected] = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "db_password = '<masked>'  # masked" in injected.source
    assert "day = '2026-11-25'" in injected.source
    assert "'api_token': '<masked>'" in injected.source and "'host': 'db.local'" in injected.source
    for secret in ("s3cret-pw", "t0ken-value"):
        assert secret not in report.read_text()
        assert secret not in html.read_text()
        assert secret not in re.sub(r"--arguments \S+", "", outcome.output)
