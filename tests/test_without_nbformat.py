"""nbformat is an optional extra (`vdk-jupyter[nbformat]`): current notebooks are read with json
and our own check of the format. Without it, they run as before without importing it, and a
notebook that needs it (format 3, or malformed) stops the job at start, before any step changes
data, naming the notebook and what to install.

nbformat's absence is real for the process under test (see without_packages.py)."""
from __future__ import annotations

import json

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import notebook
from notebooks import record
from test_invalid_notebooks import v3_notebook
from without_packages import run_without

_INSTALL = ('What to do: Install nbformat with: pip install "vdk-jupyter[nbformat]" (for a deployed '
            "job, list vdk-jupyter[nbformat] in the job's requirements.txt)")


def test_a_current_notebook_runs_without_nbformat_and_never_imports_it(job, db, tmp_path):
    job.notebook("10_plain.ipynb", [
        code(f'job_input.execute_query("{CREATE_EVENTS}")'),
        code("import sys\nassert 'nbformat' not in sys.modules\n" + record("no nbformat")),
    ])

    result, output = run_without("nbformat", job, db, tmp_path)

    assert result.returncode == 0, output
    assert db.events() == ["no nbformat"]
    assert list((tmp_path / "reports").glob("*/*/10_plain.ipynb")), "no executed notebook"


def test_a_format_3_notebook_stops_the_job_at_start_saying_what_to_install(job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    path = job.path / "20_old.ipynb"
    path.write_text(json.dumps(v3_notebook(), indent=1), encoding="utf-8")
    before = path.read_bytes()

    result, output = run_without("nbformat", job, db, tmp_path)

    assert result.returncode == 1, output
    assert ("The notebook is not a current (format 4) notebook as Jupyter saves it, and reading "
            "it needs nbformat, which cannot be imported (No module named 'nbformat')." in output)
    assert "Where: 20_old.ipynb" in output
    assert _INSTALL in output
    assert "events" not in db.tables()  # stopped before 10_create.sql ran
    assert path.read_bytes() == before


def test_a_malformed_notebook_without_nbformat_stops_the_job_saying_what_to_install(
        job, db, tmp_path):
    nb = notebook([code(record("never"))])
    nb["cells"][0]["cell_type"] = "sql"
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_odd.ipynb", nb)

    result, output = run_without("nbformat", job, db, tmp_path)

    assert result.returncode == 1, output
    assert "Where: 20_odd.ipynb" in output
    assert _INSTALL in output
    assert "events" not in db.tables()
