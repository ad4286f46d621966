"""NOTEBOOK_CELL_TIMEOUT: a cell that runs longer fails the step with a message naming the cell and
the limit, wherever it is stuck (sleeping, looping, swallowing exceptions); the report says so."""
from __future__ import annotations

import threading

import nbformat
import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record


@pytest.fixture(autouse=True)
def half_a_second(monkeypatch):
    monkeypatch.setenv("VDK_NOTEBOOK_CELL_TIMEOUT", "0.5")


STUCK = {
    "sleeping": "import time\nprint('waiting')\ntime.sleep(60)",
    "looping": "n = 0\nwhile True:\n    n += 1",
    "swallowing exceptions": "import time\nwhile True:\n    try:\n        time.sleep(60)\n    except Exception:\n        pass",
    # A bare except swallows the first CellTimeout too: the limit must hold until the cell ends.
    "swallowing everything": "import time\nwhile True:\n    try:\n        time.sleep(60)\n    except:\n        pass",
    "swallowing everything in a function": (
        "import time\ndef wait():\n    try:\n        time.sleep(60)\n    except BaseException:\n"
        "        pass\nwhile True:\n    wait()"),
    "swallowing everything while busy": "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass",
}


@pytest.mark.parametrize("source", STUCK.values(), ids=STUCK.keys())
def test_a_cell_over_the_limit_fails_the_step_naming_cell_and_limit(job, run_job, db, tmp_path, source):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code(record("first")),
        code(source, cell_id="slow-cell"),
        code(record("never")),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 1
    assert "The cell ran longer than its time limit of 0.5 s and was stopped." in outcome.output
    assert "Where: 20_notebook.ipynb, code cell 2 (id slow-cell), line" in outcome.output
    assert "NOTEBOOK_CELL_TIMEOUT" in outcome.output
    assert outcome.status == "User error"
    assert db.events() == ["first"]

    [path] = (tmp_path / "reports" / "my-job").glob("*/20_notebook.ipynb")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first, slow, never = [c for c in nb.cells if c.cell_type == "code"]
    assert slow.metadata.vdk.status == "timed-out"
    assert slow.metadata.vdk.duration >= 0.5
    assert slow.outputs[-1].ename == "CellTimeout"
    assert never.metadata.vdk.status == "not-run"
    assert "time limit exceeded" in nb.cells[0].source
    assert [p.name for p in path.parent.iterdir()] == ["20_notebook.ipynb"]


def test_the_limit_is_per_cell_and_ends_with_the_notebook(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_notebook.ipynb", [
        code("import time\ntime.sleep(0.3)"),
        code("time.sleep(0.3)\n" + record("notebook done")),
    ])
    # A .py step after the notebook runs longer than the limit: it must not be interrupted.
    job.py("30_after.py", "import time\ntime.sleep(0.8)\n" + record("py done"))
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["notebook done", "py done"]


def test_an_sql_cell_over_the_limit_fails_too(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    slow_query = ("%%vdksql\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                  "WHERE i < 6000000) SELECT count(*) FROM n")
    job.notebook("20_notebook.ipynb", [code(slow_query), code(record("never"))])
    outcome = run_job(job)
    assert outcome.exit_code == 1
    assert "time limit of 0.5 s" in outcome.output
    assert "code cell 1" in outcome.output
    assert outcome.status == "User error", outcome.explain()  # the limit is the user's
    assert db.events() == []


def test_outside_the_main_thread_a_busy_cell_is_stopped_too():
    """vdk run runs steps in the main thread (SIGALRM); anything else gets the thread fallback."""
    from vdk.plugin.notebook.engine.timeout import CellTimeout
    from vdk.plugin.notebook.engine.timeout import time_limit

    caught = []

    def busy() -> None:
        try:
            with time_limit(0.2):
                while True:
                    pass
        except CellTimeout as e:
            caught.append(e)

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(caught) == 1

