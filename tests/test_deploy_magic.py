"""`%vdk deploy` and `%vdk jobs` in an IPython shell started in the job folder, as a kernel beside
the notebook runs them, against the test Control Service (control_service.py)."""
from __future__ import annotations

import logging
import time

import pytest

pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")

from IPython.core.error import UsageError
from ipython_shell import shell_with_extension

from test_deploy import PASSING
from test_deploy import deployable_job


@pytest.fixture
def job_folder(tmp_path):
    return deployable_job(tmp_path / "jobs", PASSING)


@pytest.fixture
def shell(job_folder, monkeypatch):
    monkeypatch.chdir(job_folder)
    yield from shell_with_extension()


def cell(shell, source: str, capsys) -> str:
    """Runs a cell as a user would; returns what it printed. A failing cell raises its error."""
    capsys.readouterr()
    result = shell.run_cell(source, store_history=False)
    if not result.success:
        raise result.error_before_exec or result.error_in_exec
    return capsys.readouterr().out


def test_deploy_then_list_execute_and_disable_from_cells(shell, control_service, capsys):
    out = cell(shell, '%vdk deploy --reason "from a cell"', capsys)
    assert "save this notebook first: a cell cannot see unsaved changes" in out
    assert "Deployed data job 'notebook-job' of team 'analytics' (new job" in out
    assert control_service.uploads and control_service.violations == []

    out = cell(shell, "%vdk jobs", capsys)
    assert f"Data jobs of team 'analytics' at {control_service.url}:" in out
    [row] = [line for line in out.splitlines() if line.startswith("notebook-job")]
    assert row.split()[:3] == ["notebook-job", "success", "yes"]
    assert "  at 23:11 UTC on day 5 of August and on Mondays in August  " in row
    assert "none" in row  # no execution yet

    out = cell(shell, "%vdk jobs --execute notebook-job", capsys)
    assert "Started data job 'notebook-job': execution notebook-job-" in out
    deadline = time.monotonic() + 240
    while control_service.execution("notebook-job")["status"] in ("submitted", "running"):
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.5)

    out = cell(shell, "%vdk jobs --job notebook-job", capsys)
    execution = control_service.execution("notebook-job")
    [row] = [line for line in out.splitlines() if line.startswith(execution["id"])]
    assert "succeeded" in row and "manual/vdk-jupyter" in row and execution["logs_url"] in row
    assert "succeeded" in cell(shell, "%vdk jobs", capsys)

    out = cell(shell, "%vdk jobs --disable notebook-job", capsys)
    assert "Data job 'notebook-job' is now disabled." in out
    [row] = [line for line in cell(shell, "%vdk jobs", capsys).splitlines()
             if line.startswith("notebook-job")]
    assert row.split()[2] == "no"


def test_deploy_without_control_service_names_the_setting(shell, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("VDK_CONTROL_SERVICE_REST_API_URL", raising=False)
    monkeypatch.setenv("VDK_BASE_CONFIG_FOLDER", str(tmp_path))
    for line in ('%vdk deploy --reason "x"', "%vdk jobs"):
        with pytest.raises(UsageError) as error:
            cell(shell, line, capsys)
        assert "No Control Service is configured: set VDK_CONTROL_SERVICE_REST_API_URL" \
            in str(error.value)


def test_deploy_offers_to_add_the_plugin_to_requirements(shell, job_folder, control_service,
                                                         capsys):
    (job_folder / "requirements.txt").write_text("pandas\n")
    with pytest.raises(UsageError) as error:
        cell(shell, '%vdk deploy --reason "x"', capsys)
    assert "does not name vdk-jupyter" in str(error.value)
    assert "rerun with --add-requirement" in str(error.value)
    assert control_service.requests == []

    out = cell(shell, '%vdk deploy --reason "x" --add-requirement', capsys)
    assert "Added vdk-jupyter to" in out and "Deployed data job" in out
    assert (job_folder / "requirements.txt").read_text() == "pandas\nvdk-jupyter\n"


def test_deploy_needs_a_reason_and_jobs_errors_are_one_line(shell, control_service, capsys):
    assert "--add-requirement adds vdk-jupyter" in cell(shell, "%vdk deploy --help", capsys)
    assert "--execute NAME starts it now" in cell(shell, "%vdk jobs --help", capsys)
    with pytest.raises(UsageError) as error:
        cell(shell, "%vdk deploy", capsys)
    assert "Give a reason" in str(error.value)
    with pytest.raises(UsageError) as error:
        cell(shell, "%vdk jobs --job no-such-job", capsys)
    assert "\n" not in str(error.value) and "(HTTP 404)" in str(error.value)
    with pytest.raises(UsageError) as error:
        cell(shell, "%vdk jobs --bogus", capsys)
    assert "unrecognized arguments: --bogus" in str(error.value)


def test_statuses_logs_and_cancel_from_cells(shell, control_service, capsys):
    control_service.add_job("analytics", "other-job", deployed=True)
    control_service.add_execution("analytics", "other-job", "user_error")
    out = cell(shell, "%vdk jobs", capsys)
    [row] = [line for line in out.splitlines() if line.startswith("other-job")]
    # The jobs query said USER_ERROR, as the real service's GraphQL schema does.
    assert "failed (user error)" in row and "USER_ERROR" not in out

    running = control_service.add_execution("analytics", "other-job", "running",
                                            logs="Processing step 10_a.py\nhalf way\n")
    out = cell(shell, "%vdk jobs --logs other-job", capsys)
    assert out == f"Execution {running['id']} of data job 'other-job': running.\n" \
                  "Processing step 10_a.py\nhalf way\n"
    out = cell(shell, "%vdk jobs --cancel other-job", capsys)
    assert out == f"Execution {running['id']} of data job 'other-job': cancelled.\n"
    assert running["status"] == "cancelled"
    with pytest.raises(UsageError, match="has no submitted or running execution to cancel"):
        cell(shell, "%vdk jobs --cancel other-job", capsys)
    with pytest.raises(UsageError, match="is cancelled already: nothing to cancel"):
        cell(shell, f"%vdk jobs --cancel other-job --execution {running['id']}", capsys)
    assert control_service.violations == []


def test_properties_and_secrets_from_cells(shell, control_service, capsys, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)  # a server started with --debug
    control_service.add_job("analytics", "notebook-job", deployed=True)
    out = cell(shell, """%vdk properties --set '{"rows": 100, "tables": ["a"]}'""", capsys)
    assert out == "Properties of data job 'notebook-job' replaced.\n" \
                  '{\n  "rows": 100,\n  "tables": [\n    "a"\n  ]\n}\n'
    assert control_service.jobs[("analytics", "notebook-job")].properties == \
        {"rows": 100, "tables": ["a"]}
    with pytest.raises(UsageError, match="not JSON"):
        cell(shell, "%vdk properties --set '{rows: 1}'", capsys)
    with pytest.raises(UsageError, match="give one JSON object"):
        cell(shell, "%vdk properties --set '[1]'", capsys)

    value = "pa55-word-7f3a"
    monkeypatch.setattr("getpass.getpass", lambda prompt: value)
    out = cell(shell, "%vdk secrets --set db_password", capsys)
    assert out == "Secret 'db_password' of data job 'notebook-job' set.\n" \
                  "Secrets of data job 'notebook-job': db_password.\n"
    assert control_service.jobs[("analytics", "notebook-job")].secrets == {"db_password": value}
    out = cell(shell, "%vdk secrets --delete db_password", capsys)
    assert out.endswith("Secrets of data job 'notebook-job': none.\n") and value not in out
    with pytest.raises(UsageError, match="has no secret 'db_password'"):
        cell(shell, "%vdk secrets --delete db_password", capsys)
    assert value not in caplog.text
    assert control_service.violations == []
