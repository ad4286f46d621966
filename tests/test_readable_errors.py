"""What a user reads when a query fails (issue 20): the frames of their own code (the cell, the
job's own module) and the database's message, not vdk-core's connection internals, in `vdk run`'s
log and in the run report, where the full traceback is one click away; a %%vdksql cell of a job
with no database configured names the local SQLite file instead of advising to fix the query;
one job-name rule; a job's team written to config.ini keeping its comments."""
from __future__ import annotations

import json
import pathlib

import pytest

from notebooks import code
from vdk.plugin.notebook.job.local_database import local_database
from vdk.plugin.notebook.job.template import InvalidJobName
from vdk.plugin.notebook.job.template import check_job_name
from vdk.plugin.notebook.job.template import create_job
from vdk.plugin.notebook.job.template import read_team
from vdk.plugin.notebook.job.template import set_team


def failed_section(output: str) -> str:
    """The plugin's own failure message in the log: from "failed." to "What to do"."""
    start = output.index("20_load.ipynb: failed.")
    return output[start:output.index("What to do:", start)]


def test_a_failed_query_in_the_jobs_module_shows_the_users_frames_and_the_database(
        job, run_job, db, tmp_path):
    job.file("helpers.py", "def load(job_input):\n    job_input.execute_query('INSERT INTO orders VALUES (1)')\n")
    job.notebook("20_load.ipynb", [code("import helpers"), code("x = 1\nhelpers.load(job_input)")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    shown = failed_section(outcome.output)
    cell_file = str(job.path / "20_load.ipynb [code cell 2]")
    assert f'File "{cell_file}", line 2, in <module>\n    helpers.load(job_input)' in shown
    assert (f'File "{job.path / "helpers.py"}", line 2, in load\n'
            "    job_input.execute_query('INSERT INTO orders VALUES (1)')") in shown
    assert "frames of installed libraries hidden]" in shown
    assert shown.rstrip().endswith("sqlite3.OperationalError: no such table: orders")
    assert "vdk/internal" not in shown and "site-packages" not in shown

    # The report: the cell's error through the user's frames; every frame in the banner, collapsed.
    [report] = sorted((tmp_path / "reports" / job.path.name).glob("*/20_load.ipynb"))
    nb = json.loads(report.read_text())
    [error] = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
               if o["output_type"] == "error"]
    traceback = "\n".join(error["traceback"])
    assert "helpers.py" in traceback and "vdk/internal" not in traceback
    banner = next(c for c in nb["cells"] if c.get("id") == "vdk-failure-banner")
    source = "".join(banner["source"])
    assert "<details><summary>Full traceback</summary><pre>" in source
    assert "vdk/internal" in source and "\n\n" not in source  # one HTML block in markdown


@pytest.mark.parametrize("source", ["%%vdksql\nCREATE TABLE t (a INT)",
                                    "rows = job_input.execute_query('SELECT 1')"])
def test_a_query_with_no_database_configured_names_the_local_file(source, job, run_job, db,
                                                                  monkeypatch, tmp_path):
    """A %%vdksql cell, and job_input.execute_query in a Python cell: the job names no database,
    so say so and name the file JupyterLab's runs and kernel use; never advice to fix a cell or
    a query that may well be right."""
    for name in ("VDK_DB_DEFAULT_TYPE", "VDK_SQLITE_FILE", "VDK_INGEST_METHOD_DEFAULT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    job.notebook("20_load.ipynb", [code(source)])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    file = local_database(job.path).file  # the file JupyterLab's runs and kernel use
    assert f"No database is configured for data job '{job.path.name}'" in outcome.output
    assert f"VDK_DB_DEFAULT_TYPE=SQLITE VDK_SQLITE_FILE={file} vdk run" in outcome.output
    assert "Where: 20_load.ipynb, code cell 1" in outcome.output
    assert "Fix the cell" not in outcome.output and "Fix the query" not in outcome.output


@pytest.mark.parametrize("name", ["sales", "5-sales", "Daily-sales", "a" * 46, "daily_sales"])
def test_job_names_the_control_service_refuses_are_refused_at_create(name, tmp_path):
    with pytest.raises(InvalidJobName, match="6 to 45 characters"):
        check_job_name(name)
    with pytest.raises(InvalidJobName):
        create_job(tmp_path, name)
    assert list(tmp_path.iterdir()) == []


def test_the_team_is_written_to_config_ini_keeping_its_comments(tmp_path):
    folder = create_job(tmp_path, "daily-sales", team="finance")
    assert read_team(folder) == "finance"
    before = (folder / "config.ini").read_text()
    assert set_team(folder, " data-team ") == "data-team"
    after = (folder / "config.ini").read_text()
    assert after == before.replace("team = finance", "team = data-team")
    (folder / "config.ini").write_text("[job]\nschedule_cron = 0 5 * * *\n")
    set_team(folder, "ops")
    assert read_team(folder) == "ops" and "schedule_cron = 0 5 * * *" in (folder / "config.ini").read_text()
    with pytest.raises(InvalidJobName):
        set_team(folder, "x\n[vdk]")
    assert read_team(pathlib.Path(folder)) == "ops"


def test_the_jobs_table_of_vdk_jobs_is_html_in_a_notebook():
    from vdk.plugin.notebook.deploy.jobs_view import job_row
    from vdk.plugin.notebook.deploy.jobs_view import jobs_table

    row = job_row({"jobName": "daily-sales", "config": {"team": "t", "schedule": {"scheduleCron": "0 5 * * *"}},
                   "deployments": [{"status": "DEPLOYED", "enabled": True, "executions": [
                       {"id": "e1", "status": "SUCCEEDED", "type": "manual", "startTime": "2026-12-01T05:00:00Z",
                        "endTime": "2026-12-01T05:01:00Z", "startedBy": "manual/<someone>"}]}]})
    table = jobs_table([row])
    assert str(table).splitlines()[0].startswith("job  ")  # text where there is no notebook
    html = table._repr_html_()
    assert html.startswith("<table>") and "<td>daily-sales</td>" in html
    assert "manual/&lt;someone&gt;" in html and "<td>succeeded</td>" in html
