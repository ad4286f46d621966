"""IPython is an optional extra (`vdk-jupyter[ipython]`). Without it, plain-Python notebooks run
as before, and a notebook that needs it stops the job at start, before any step changes data,
saying which notebook, cell and line, and what to install.

IPython's absence is real for the process under test: `vdk` runs in a subprocess whose import
system refuses IPython (a meta-path finder placed first), as a Python without IPython installed
would."""
from __future__ import annotations

import json
import subprocess

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record
from without_packages import run_without


def run_without_ipython(job, db, tmp_path) -> tuple[subprocess.CompletedProcess, str]:
    return run_without("IPython", job, db, tmp_path)


def test_a_notebook_with_magics_stops_the_job_at_start_saying_what_to_install(job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_timed.ipynb", [
        code(record("notebook cell 1")),
        code("x = 1\n%time y = x + 1", cell_id="timed"),
    ])

    result, output = run_without_ipython(job, db, tmp_path)

    assert result.returncode == 1, output
    assert ("The cell uses IPython syntax (magics or !shell commands), which needs IPython, and "
            "IPython cannot be imported (No module named 'IPython')." in output)
    assert "Where: 20_timed.ipynb, code cell 2 (id timed), line 2:\n    %time y = x + 1" in output
    assert "What to do: Install IPython with: pip install \"vdk-jupyter[ipython]\"" in output
    assert "events" not in db.tables()  # stopped before 10_create.sql ran


def test_plain_python_notebooks_run_and_report_without_ipython(job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_plain.ipynb", [
        code("print('display(this) is only text')\n" + record("plain cell")),
        code("class Bold:\n    def _repr_html_(self):\n        return '<b>x</b>'\nBold()"),
        code("import sys\nassert 'IPython' not in sys.modules\n" + record("no IPython")),
    ])

    result, output = run_without_ipython(job, db, tmp_path)

    assert result.returncode == 0, output
    assert db.events() == ["plain cell", "no IPython"]
    [report] = (tmp_path / "reports").glob("*/*/20_plain.ipynb")
    cells = json.loads(report.read_text())["cells"]
    assert cells[0]["outputs"][0] == {
        "output_type": "stream", "name": "stdout", "text": "display(this) is only text\n"}
    assert cells[1]["outputs"][0]["data"]["text/html"] == "<b>x</b>"


def test_display_without_ipython_fails_the_cell_saying_what_to_install(job, db, tmp_path):
    job.notebook("20_display.ipynb", [code("display({'a': 1})", cell_id="shows")])

    result, output = run_without_ipython(job, db, tmp_path)

    assert result.returncode == 1, output
    assert "Where: 20_display.ipynb, code cell 1 (id shows), line 1:\n    display({'a': 1})" in output
    assert "display() is IPython's, and IPython cannot be imported" in output
    assert 'pip install "vdk-jupyter[ipython]"' in output
