"""Job arguments become notebook variables, papermill style: a cell tagged `parameters` holds the
defaults, an `injected-parameters` cell right after it assigns the arguments with their JSON types,
and the executed notebook shows it."""
from __future__ import annotations

import json
import pathlib

import nbformat

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown

# Records every parameter's value and Python type name as one JSON event.
RECORD_PARAMETERS = """import json
seen = {name: [globals()[name], type(globals()[name]).__name__] for name in NAMES}
payload = json.dumps(seen).replace("'", "''")
job_input.execute_query("INSERT INTO events (what) VALUES ('" + payload + "')")
"""

DEFAULTS = """day = "2000-01-01"
limit = 1
ratio = 0.5
tables = []
options = {}
dry_run = True
owner = "nobody"
"""


def seen(db) -> dict:
    [event] = db.events()
    return json.loads(event)


def report(tmp_path: pathlib.Path) -> nbformat.NotebookNode:
    [path] = (tmp_path / "reports" / "my-job").glob("*/20_notebook.ipynb")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def params_job(job, names, defaults=DEFAULTS, tags=("parameters",)):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        markdown("# Parameters"),
        code(defaults, tags=tags, cell_id="defaults"),
        code(f"NAMES = {names!r}\n" + RECORD_PARAMETERS, cell_id="use"),
    ])


def test_arguments_are_injected_after_the_parameters_cell_with_their_json_types(job, run_job, db, tmp_path):
    names = ["day", "limit", "ratio", "tables", "options", "dry_run", "owner"]
    params_job(job, names)
    arguments = {"day": "2026-11-25", "limit": 10, "ratio": 2.5, "tables": ["a", "b"],
                 "options": {"mode": "full", "retries": None}, "dry_run": False}
    outcome = run_job(job, "--arguments", json.dumps(arguments))
    assert outcome.exit_code == 0, outcome.explain()
    assert seen(db) == {
        "day": ["2026-11-25", "str"], "limit": [10, "int"], "ratio": [2.5, "float"],
        "tables": [["a", "b"], "list"], "options": [{"mode": "full", "retries": None}, "dict"],
        "dry_run": [False, "bool"], "owner": ["nobody", "str"],  # not given: the default
    }
    nb = report(tmp_path)
    ids = [cell.get("id") for cell in nb.cells]
    assert ids.index("injected-parameters") == ids.index("defaults") + 1
    injected = nb.cells[ids.index("injected-parameters")]
    assert injected.metadata.tags == ["injected-parameters"]
    assert 'day = "2026-11-25"' in injected.source or "day = '2026-11-25'" in injected.source
    assert "dry_run = False" in injected.source
    defaults = nb.cells[ids.index("defaults")]
    assert injected.execution_count == defaults.execution_count + 1
    assert injected.metadata.vdk.status == "ok"


def test_without_arguments_the_defaults_apply_and_nothing_is_injected(job, run_job, db, tmp_path):
    params_job(job, ["day", "limit"])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert seen(db) == {"day": ["2000-01-01", "str"], "limit": [1, "int"]}
    assert "injected-parameters" not in [cell.get("id") for cell in report(tmp_path).cells]


def test_an_argument_the_parameters_cell_does_not_define_is_passed_with_a_warning(job, run_job, db):
    params_job(job, ["limit", "region"])
    outcome = run_job(job, "--arguments", json.dumps({"limit": 3, "region": "eu"}))
    assert outcome.exit_code == 0, outcome.explain()
    assert seen(db) == {"limit": [3, "int"], "region": ["eu", "str"]}
    assert "job arguments region are not defined in the parameters cell (code cell 1)" in outcome.output


def test_an_argument_that_is_not_an_identifier_is_an_error_before_anything_runs(job, run_job, db):
    params_job(job, ["day"])
    outcome = run_job(job, "--arguments", json.dumps({"start-date": "2026-11-25", "class": 1}))
    assert outcome.exit_code == 1
    assert "'start-date', 'class' cannot become notebook variables" in outcome.output
    assert "not Python identifiers" in outcome.output
    assert "Where: 20_notebook.ipynb, code cell 1" in outcome.output
    assert outcome.status == "User error"
    assert "events" not in db.tables()  # 10_create.sql did not run either


def test_arguments_that_are_not_a_json_object_are_an_error_with_a_parameters_cell(job, run_job, db):
    params_job(job, ["day"])
    outcome = run_job(job, "--arguments", json.dumps(["2026-11-25"]))
    assert outcome.exit_code == 1
    assert "The job arguments are a JSON array, not an object" in outcome.output
    assert "Where: 20_notebook.ipynb, code cell 1" in outcome.output
    assert "Pass the arguments as a JSON object" in outcome.output
    assert outcome.status == "User error"
    assert "events" not in db.tables()  # 10_create.sql did not run either


def test_arguments_that_are_not_a_json_object_reach_a_notebook_without_parameters_cell(job, run_job, db):
    job.notebook("20_notebook.ipynb", [
        code(CREATE_EVENTS.join(['job_input.execute_query("', '")'])),
        code('job_input.execute_query("INSERT INTO events (what) VALUES (\'" '
             '+ "+".join(job_input.get_arguments()) + "\')")'),
    ])
    outcome = run_job(job, "--arguments", json.dumps(["a", "b"]))
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["a+b"]
    assert "the job arguments are a JSON array, not an object" in outcome.output


def test_without_a_parameters_cell_arguments_are_injected_at_the_top(job, run_job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.py("30_after.py", """
        job_input.execute_query(
            "INSERT INTO events (what) VALUES ('" + job_input.get_arguments()["start-date"] + "')")
    """)
    job.notebook("20_notebook.ipynb", [
        markdown("# No parameters cell"),
        code("NAMES = ['limit']\n" + RECORD_PARAMETERS, cell_id="use"),
    ])
    outcome = run_job(job, "--arguments", json.dumps({"limit": 7, "start-date": "2026-11-25"}))
    assert outcome.exit_code == 0, outcome.explain()
    assert [json.loads(e) for e in db.events()[:1]] == [{"limit": [7, "int"]}]
    assert db.events()[1] == "2026-11-25"  # a .py step still gets every argument
    assert "has no cell tagged 'parameters'" in outcome.output
    assert "'start-date' are not Python identifiers and are not injected" in outcome.output
    nb = report(tmp_path)
    assert nb.cells[0].get("id") == "injected-parameters"
    assert "limit = 7" in nb.cells[0].source
