"""A failing cell fails the job with exit code 1 and a user error that says where (notebook,
code cell number and id, line and its text) and what to do; nothing after it runs."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown
from notebooks import record


@dataclass
class Failure:
    source: str
    what: str  # the start of the message's first line
    line: int
    at_initialisation: bool = False

    @property
    def line_text(self) -> str:
        return self.source.splitlines()[self.line - 1].strip()


FAILURES = {
    "syntax error": Failure("x = 1\nif x\n    y = 2", "Syntax error in a notebook cell", 2, True),
    "syntax error after a magic": Failure("%time x = 1\nprint(x +)", "Syntax error in a notebook cell", 2, True),
    "exception in a function": Failure(
        "def lookup(d):\n    return d['missing']\n\nlookup({})", "A notebook cell raised KeyError", 2
    ),
    "exception in a library": Failure("import json\njson.loads('{bad')", "A notebook cell raised JSONDecodeError", 2),
    "exception in a helper module": Failure(
        "import errors_helper\nerrors_helper.explode()", "A notebook cell raised ZeroDivisionError", 2
    ),
    "exception after a shell line": Failure("!echo hi\ny = 1\nraise ValueError('after shell')", "A notebook cell raised ValueError", 3),
    "exception in a %time line": Failure("y = 1\n%time z = 1 / 0", "A notebook cell raised ZeroDivisionError", 2),
    "exception in a %%time body": Failure("%%time\ny = 1\nraise ValueError('timed')", "A notebook cell raised ValueError", 3),
    "exception in a %%capture body": Failure("%%capture out\ny = 1\nraise ValueError('captured')", "A notebook cell raised ValueError", 3),
    "exception whose str() fails": Failure(
        "class Odd(Exception):\n    def __str__(self):\n        raise ValueError('no text')\n\nraise Odd()",
        "A notebook cell raised Odd: <exception str() failed>", 5,
    ),
    "syntax error in a %%capture body": Failure("%%capture out\ny = 1\nprint(y +)", "Syntax error in the body of a cell magic", 3, True),
    "syntax error in a %%time body": Failure("%%time\ndef f(:\n    pass", "Syntax error in the body of a cell magic", 2, True),
    "syntax error in a %%timeit body below a magic": Failure("%%timeit -n1\n%time x = 1\nfor i in range(3) print(i)", "Syntax error in the body of a cell magic", 3, True),
    "sql error": Failure("%%vdksql\nSELECT * FROM no_such_table", "The SQL query of a %%vdksql cell failed", 2),
    "sql error below a blank line": Failure("\n%%vdksql\nSELECT *\nFROM no_such_table", "The SQL query of a %%vdksql cell failed", 3),
    "sys.exit(0)": Failure("import sys\nsys.exit(0)", "The cell called sys.exit(0)", 2),
    "sys.exit(3)": Failure("import sys\nsys.exit(3)", "The cell called sys.exit(3)", 2),
    "raise SystemExit": Failure("x = 1\nraise SystemExit", "The cell called sys.exit", 2),
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_a_failing_cell_fails_the_job_saying_where_and_what_to_do(job, run_job, db, failure):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.file("errors_helper.py", "def explode():\n    return 1 / 0\n")
    job.notebook("20_transform.ipynb", [
        markdown("# Markdown cells are not counted"),
        code(record("cell 1")),
        code("raise RuntimeError('left out')", tags=["non-vdk"]),
        code(failure.source, cell_id="broken-cell"),
        code(record("cell 4")),
    ])
    job.py("30_publish.py", record("next step"))

    outcome = run_job(job)

    assert outcome.exit_code == 1, outcome.explain()
    assert outcome.status == "User error", outcome.explain()
    where = f"Where: 20_transform.ipynb, code cell 3 (id broken-cell), line {failure.line}:\n    {failure.line_text}\n"
    assert where in outcome.output, outcome.output
    assert failure.what in outcome.output
    assert re.search(r"^What to do: \S.{20,}", outcome.output, re.MULTILINE)
    assert "notebook/engine.py" not in outcome.output  # the engine's frames tell the user nothing
    if failure.at_initialisation:
        assert "events" not in db.tables(), "found when the job is initialised, before any step"
    else:
        assert db.events() == ["cell 1"]
        assert re.search(r"^20_transform.ipynb - ERROR$", outcome.output, re.MULTILINE)


def test_the_traceback_shows_the_cells_own_lines(job, run_job, db):
    job.notebook("20_transform.ipynb", [
        code("x = 1"),
        code("def ratio(a, b):\n    return a / b\n\nvalue = ratio(1, 0)", cell_id="divides"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    cell_file = str(job.path / "20_transform.ipynb [code cell 2]")
    assert f'File "{cell_file}", line 4, in <module>\n    value = ratio(1, 0)' in outcome.output
    assert f'File "{cell_file}", line 2, in ratio\n    return a / b' in outcome.output
    assert "<string>" not in outcome.output


def test_only_the_first_failing_notebook_is_reported(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_first.ipynb", [code(record("first")), code("raise ValueError('first failure')")])
    job.notebook("30_second.ipynb", [code(record("second")), code("raise ValueError('second failure')")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "first failure" in outcome.output
    assert "second failure" not in outcome.output
    assert db.events() == ["first"]


def test_a_failure_vdk_blames_on_the_platform_is_blamed_as_for_a_py_step(job, run_job, db, monkeypatch):
    # The database cannot be opened: not the notebook's fault, and vdk-core says so for .py steps.
    monkeypatch.setenv("VDK_SQLITE_FILE", str(job.path.parent / "missing-folder" / "db.sqlite"))
    query = 'job_input.execute_query("SELECT 1")'
    job.py("10_step.py", query)
    as_py_step = run_job(job)
    (job.path / "10_step.py").unlink()
    job.notebook("10_step.ipynb", [code(query)])
    as_notebook = run_job(job)
    assert as_py_step.exit_code == as_notebook.exit_code == 1
    assert as_py_step.status == "Platform error", as_py_step.explain()
    assert as_notebook.status == "Platform error", as_notebook.explain()
    assert "Where: 10_step.ipynb, code cell 1 (id cell-0), line 1:" in as_notebook.output
