"""A notebook step runs in the notebook's own folder, as Jupyter runs it, whatever folder
`vdk run` was started from (the cloud starts it from another one); the caller's working directory
is back when the step ends, and a .py step keeps vdk-core's behaviour."""
from __future__ import annotations

import os

from notebooks import CREATE_EVENTS
from notebooks import code

SAVE = "job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{value}')\")"


def test_cells_open_files_beside_the_notebook_from_another_folder(job, run_job, db, tmp_path):
    started_in = os.getcwd()
    assert started_in != str(job.path)  # run_job starts vdk run from the test's own folder
    job.sql("10_create.sql", CREATE_EVENTS)
    job.file("data.csv", "n\n42\n")
    job.notebook("20_files.ipynb", [
        code("value = open('data.csv').read().split()[1]\n" + SAVE),
        code("where = !pwd\nvalue = where[0]\n" + SAVE),
        code("%%writefile written.txt\nfrom the notebook"),
        code("import os\nvalue = os.getcwd()\n" + SAVE),
    ])
    job.py("30_after.py", "import os\nvalue = os.getcwd()\n" + SAVE)
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["42", str(job.path), str(job.path), started_in]
    assert (job.path / "written.txt").read_text().strip() == "from the notebook"
    assert not (tmp_path / "written.txt").exists()
    assert os.getcwd() == started_in


def test_the_working_directory_is_restored_after_a_failing_notebook(job, run_job, db):
    started_in = os.getcwd()
    job.notebook("20_fails.ipynb", [code("import os\nassert os.getcwd() == 'elsewhere'")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "AssertionError" in outcome.output
    assert os.getcwd() == started_in
