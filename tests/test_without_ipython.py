"""IPython is an optional extra (`vdk-jupyter[ipython]`). Without it, plain-Python notebooks run
as before, and a notebook that needs it stops the job at start, before any step changes data,
saying which notebook, cell and line, and what to install.

IPython's absence is real for the process under test: `vdk` runs in a subprocess whose import
system refuses IPython (a meta-path finder placed first), as a Python without IPython installed
would."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record

# `vdk` as the installed console script runs it, with IPython unimportable.
_WITHOUT_IPYTHON = """
import sys

class NoIPython:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "IPython":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoIPython())
sys.argv[0] = "vdk"
from vdk.internal.cli_entry import main
main()
"""


def run_without_ipython(job, db, tmp_path) -> tuple[subprocess.CompletedProcess, str]:
    env = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(db.path),
               VDK_INGEST_METHOD_DEFAULT="sqlite",
               VDK_NOTEBOOK_REPORT_DIRECTORY=str(tmp_path / "reports"))
    result = subprocess.run([sys.executable, "-c", _WITHOUT_IPYTHON, "run", str(job)], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=180)
    return result, result.stdout + result.stderr


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
