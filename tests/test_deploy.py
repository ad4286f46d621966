"""Deploying a notebook job and watching it run, against the test Control Service
(control_service.py), which checks every request and answer against the official API document
and plays the cloud (cloud.py): the deployed archive installed from its requirements.txt and run
with `vdk run` in a fresh virtual environment.

The calls are the ones `%vdk deploy`, `%vdk jobs` and the JupyterLab commands make
(vdk.plugin.notebook.deploy); the magics themselves are in test_deploy_magic.py.
"""
from __future__ import annotations

import io
import json
import pathlib
import sqlite3
import time
import zipfile
from typing import Optional

import pytest

pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")

from notebooks import code
from notebooks import markdown
from notebooks import notebook

from vdk.plugin.notebook.deploy.control_service import ControlService
from vdk.plugin.notebook.deploy.control_service import ControlServiceError
from vdk.plugin.notebook.deploy.deployment import DeployRefused
from vdk.plugin.notebook.deploy.deployment import deploy_job
from vdk.plugin.notebook.deploy.job_package import add_to_requirements
from vdk.plugin.notebook.deploy.job_package import check_job

TEAM = "analytics"
SAVED_OUTPUT = {"name": "stdout", "output_type": "stream", "text": ["customer 4711: 99.50\n"]}


def deployable_job(folder: pathlib.Path, cells: list[dict], name: str = "notebook-job"):
    """A job as `vdk start-jupyter --new` makes it, with a notebook that was run in Jupyter
    (its outputs and execution counts saved)."""
    job = folder / name
    job.mkdir(parents=True)
    (job / "config.ini").write_text(f"[owner]\nteam = {TEAM}\n\n[job]\nschedule_cron = "
                                    "11 23 5 8 1\n")
    (job / "requirements.txt").write_text("# the cloud installs these\nvdk-jupyter\n")
    (job / "10_create.sql").write_text("CREATE TABLE IF NOT EXISTS sales (amount REAL)")
    nb = notebook(cells)
    for count, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = count + 1
        cell["outputs"] = [dict(SAVED_OUTPUT)]
    (job / "20_load.ipynb").write_text(json.dumps(nb, indent=1))
    return job


PASSING = [markdown("# Load"),
           code("job_input.execute_query('INSERT INTO sales VALUES (99.5)')\nprint('loaded')"),
           code("raise RuntimeError('only while exploring')", tags=["non-vdk"]),
           code("%%vdksql\nINSERT INTO sales VALUES (0.5)")]


def wait_until_finished(service: ControlService, name: str) -> dict:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        executions = service.executions(TEAM, name)
        if executions and executions[0]["status"] not in ("submitted", "running"):
            return executions[0]
        time.sleep(0.5)
    raise AssertionError(f"the execution of {name} did not finish in time")


def uploaded_files(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return {m.filename: zipped.read(m) for m in zipped.infolist() if not m.is_dir()}


def test_deployed_notebook_job_runs_in_the_cloud_and_its_rows_land(control_service, tmp_path):
    job = deployable_job(tmp_path / "jobs", PASSING)
    before = {p.name: p.read_bytes() for p in job.iterdir()}

    deployed = deploy_job(job, "first version")

    assert deployed.created and deployed.name == "notebook-job" and deployed.team == TEAM
    assert "Deployed data job 'notebook-job' of team 'analytics' (new job" in deployed.message()
    # Created (it did not exist), then exactly what `vdk deploy` does.
    assert control_service.operations() == [
        "dataJobRead", "dataJobCreate", "sourcesUpload", "dataJobRead", "dataJobUpdate",
        "deploymentUpdate"]
    upload = next(r for r in control_service.requests if r.operation == "sourcesUpload")
    assert upload.query == {"reason": "first version"}
    # The upload: the whole folder under the job's name, notebooks without outputs or counts.
    files = uploaded_files(control_service.uploads[0][1])
    assert sorted(files) == ["notebook-job/10_create.sql", "notebook-job/20_load.ipynb",
                             "notebook-job/config.ini", "notebook-job/requirements.txt"]
    uploaded = json.loads(files["notebook-job/20_load.ipynb"])
    code_cells = [c for c in uploaded["cells"] if c["cell_type"] == "code"]
    assert [(c["outputs"], c["execution_count"]) for c in code_cells] == [([], None)] * 3
    assert b"customer 4711" not in files["notebook-job/20_load.ipynb"]
    assert [c["source"] for c in uploaded["cells"]] == [c["source"] for c in PASSING]
    # The user's files are untouched.
    assert {p.name: p.read_bytes() for p in job.iterdir()} == before

    service = ControlService()
    execution_id = service.execute(TEAM, "notebook-job")
    execution = wait_until_finished(service, "notebook-job")

    assert execution["id"] == execution_id and execution["status"] == "succeeded", \
        control_service.execution("notebook-job")["log_text"]
    with sqlite3.connect(control_service.cloud_database) as db:
        assert db.execute("SELECT amount FROM sales ORDER BY amount").fetchall() == [(0.5,), (99.5,)]
    log = control_service.execution("notebook-job")["log_text"]
    assert "20_load.ipynb: finished" in log

    [row] = service.list_jobs(TEAM)
    assert row["jobName"] == "notebook-job"
    assert row["deployments"][0]["executions"][0]["status"] == "succeeded"


def test_deployed_notebook_that_fails_fails_in_the_cloud(control_service, tmp_path):
    job = deployable_job(tmp_path / "jobs", [
        code("job_input.execute_query('INSERT INTO sales VALUES (1)')"),
        code("total = 1 / 0"),
    ], name="failing-job")

    deploy_job(job, "will fail")
    service = ControlService()
    service.execute(TEAM, "failing-job")
    execution = wait_until_finished(service, "failing-job")

    assert execution["status"] == "user_error"
    log = control_service.execution("failing-job")["log_text"]
    assert "ZeroDivisionError" in log and "code cell 2" in log


def test_a_notebook_vdk_run_would_refuse_is_refused_and_nothing_is_uploaded(
        control_service, tmp_path, run_job):
    job = deployable_job(tmp_path / "jobs", [code("%pip install pandas"), code("x = 1")])

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "broken")

    assert refused.value.kind == "notebook"
    assert control_service.requests == []
    # The same words `vdk run` uses when it refuses the notebook at start.
    run = run_job(job)
    assert run.exit_code == 1
    message = str(refused.value)
    assert message.startswith("20_load.ipynb cannot be run.\n")
    details = message.split("\n", 1)[1].replace(" Nothing was uploaded.", "")
    assert details.splitlines()[0] in run.output
    assert "Nothing was uploaded." in message


def test_without_a_control_service_it_says_so_at_once_naming_the_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("VDK_CONTROL_SERVICE_REST_API_URL", raising=False)
    monkeypatch.setenv("VDK_BASE_CONFIG_FOLDER", str(tmp_path))
    # Even a broken notebook is not looked at: the missing setting comes first.
    job = deployable_job(tmp_path / "jobs", [code("def broken(:")])

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "no service")

    assert refused.value.kind == "not-configured"
    assert "VDK_CONTROL_SERVICE_REST_API_URL" in str(refused.value)
    assert "broken" not in str(refused.value)


def test_not_logged_in_is_one_line_and_nothing_is_uploaded(control_service, tmp_path):
    control_service.token = "a-token-this-client-does-not-have"
    job = deployable_job(tmp_path / "jobs", PASSING)

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "no login")

    message = str(refused.value)
    assert refused.value.status == 401 and "\n" not in message
    assert "needs you to log in (HTTP 401)" in message and "vdk login" in message
    assert control_service.uploads == []
    assert [(r.operation, r.status) for r in control_service.requests] == [("dataJobRead", 401)]


def test_requirements_must_name_the_plugin_and_can_have_it_added(control_service, tmp_path):
    job = deployable_job(tmp_path / "jobs", PASSING)
    (job / "requirements.txt").write_text("pandas>=2\n")

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "missing plugin")
    assert refused.value.kind == "requirements" and "vdk-jupyter" in str(refused.value)
    assert control_service.requests == []

    assert add_to_requirements(job) is True
    assert (job / "requirements.txt").read_text() == "pandas>=2\nvdk-jupyter\n"
    assert add_to_requirements(job) is False  # already there: unchanged
    (job / "requirements.txt").write_text("vdk_Jupyter[jupyter] >= 0.1  # spelled differently\n")
    assert add_to_requirements(job) is False


def test_notebooks_with_magics_need_the_ipython_extra_in_requirements(control_service, tmp_path):
    """IPython is an extra: installed where the job is written, it may be missing in the cloud."""
    job = deployable_job(tmp_path / "jobs", [code("%time x = 1"), code("print(x)")])

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "magics without IPython in requirements.txt")
    assert refused.value.kind == "requirements"
    assert "20_load.ipynb, code cell 1 (id cell-0) uses IPython syntax" in str(refused.value)
    assert "vdk-jupyter[ipython]" in str(refused.value)
    assert control_service.requests == []

    (job / "requirements.txt").write_text("vdk-jupyter[ipython]>=0.1\n")
    check_job(job)  # no longer refused


def test_a_format_3_notebook_needs_the_nbformat_extra_in_requirements(control_service, tmp_path):
    """nbformat is an extra: installed where the job is written, it may be missing in the cloud."""
    from test_invalid_notebooks import v3_notebook

    job = deployable_job(tmp_path / "jobs", PASSING)
    (job / "30_old.ipynb").write_text(json.dumps(v3_notebook(), indent=1))

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "format 3 without nbformat in requirements.txt")
    assert refused.value.kind == "requirements"
    assert "30_old.ipynb is not a current (format 4) notebook" in str(refused.value)
    assert "vdk-jupyter[nbformat]" in str(refused.value)
    assert control_service.requests == []

    (job / "requirements.txt").write_text("vdk-jupyter[nbformat]>=0.1\n")
    check_job(job)  # no longer refused
    (job / "requirements.txt").write_text("vdk-jupyter[jupyter]\n")
    check_job(job)


def test_unsaved_notebooks_are_named_and_nothing_is_uploaded(control_service, tmp_path):
    job = deployable_job(tmp_path / "jobs", PASSING)

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "unsaved", unsaved=["20_load.ipynb"])

    assert refused.value.kind == "unsaved" and "20_load.ipynb" in str(refused.value)
    assert control_service.requests == []


@pytest.mark.parametrize("change, kind, words", [
    ("folder name", "job", "'Notebook_Job' cannot be a deployed job's name"),
    ("no team", "team", "config.ini of the job names no team"),
    ("no config.ini", "job", "is not a data job folder: it has no config.ini"),
])
def test_jobs_the_service_cannot_take_are_refused_before_it_is_asked(
        control_service, tmp_path, change, kind, words):
    job = deployable_job(tmp_path / "jobs", PASSING)
    if change == "folder name":
        job = job.rename(job.with_name("Notebook_Job"))
    if change == "no team":
        (job / "config.ini").write_text("[job]\nschedule_cron = 11 23 5 8 1\n")
    if change == "no config.ini":
        (job / "config.ini").unlink()

    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "x")

    assert refused.value.kind == kind and words in str(refused.value)
    assert "Nothing was uploaded." in str(refused.value)
    assert control_service.requests == []


def test_jobs_list_is_the_teams_only_and_enable_disable_work(control_service, tmp_path):
    # The service matches the team as a substring: "analytics-eu" comes back for "analytics".
    control_service.add_job("analytics-eu", "someone-elses-job")
    deploy_job(deployable_job(tmp_path / "jobs", PASSING), "listed")
    service = ControlService()

    assert [job["jobName"] for job in service.list_jobs(TEAM)] == ["notebook-job"]
    service.set_enabled(TEAM, "notebook-job", False)
    [job] = service.list_jobs(TEAM)
    assert job["deployments"][0]["enabled"] is False
    assert "deploymentPatch" in control_service.operations()


@pytest.mark.parametrize("failure, expected", [
    ("login fails", "Could not log in to the Control Service: Failed to login Authorization "
                    "server at http://127.0.0.1:9/token returned error"),
    ("unknown job", "does not know it (HTTP 404): Data job no-such-job of team analytics not found"),
    ("server error", "failed (HTTP 503, also when retried)"),
    ("unreachable", "cannot reach the Control Service at http://127.0.0.1:9"),
    ("slow", "did not answer in time (Read timed out. (read timeout=1))"),
])
def test_control_service_errors_are_one_readable_line(control_service, monkeypatch, failure,
                                                      expected):
    if failure == "server error":
        control_service.fail_with = 503
    if failure == "unreachable":
        monkeypatch.setenv("VDK_CONTROL_SERVICE_REST_API_URL", "http://127.0.0.1:9")
    if failure == "slow":
        control_service.delay = 2
        monkeypatch.setenv("VDK_CONTROL_HTTP_READ_TIMEOUT_SECONDS", "1")
        monkeypatch.setenv("VDK_CONTROL_HTTP_READ_RETRIES", "0")
    if failure == "login fails":  # an API token that cannot be exchanged for an access token
        monkeypatch.setenv("VDK_API_TOKEN", "a-token")
        monkeypatch.setenv("VDK_API_TOKEN_AUTHORIZATION_URL", "http://127.0.0.1:9/token")

    with pytest.raises(ControlServiceError) as error:
        ControlService().executions(TEAM, "no-such-job")

    assert "\n" not in str(error.value) and "Traceback" not in str(error.value)
    assert expected in str(error.value)


def test_the_test_control_service_catches_what_strays_from_the_api_document(control_service):
    """The checks that every other test relies on do find a stray request and a stray answer."""
    import urllib.error
    import urllib.request

    def call(method: str, path: str, body: Optional[dict] = None) -> int:
        request = urllib.request.Request(control_service.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as e:
            return e.code

    # A deployment patch whose `enabled` is not a boolean.
    assert call("PATCH", f"/data-jobs/for-team/{TEAM}/jobs/x-job/deployments/production",
                {"enabled": "yes"}) == 400
    # A stored job without the document's required `description` and `config`.
    control_service.add_job(TEAM, "bad-job")
    control_service.jobs[(TEAM, "bad-job")].data = {"job_name": "bad-job"}
    assert call("GET", f"/data-jobs/for-team/{TEAM}/jobs/bad-job") == 200

    found, control_service.violations[:] = list(control_service.violations), []
    assert len(found) == 2, found
    assert found[0].startswith("request deploymentPatch:") and "enabled" in found[0]
    assert found[1].startswith("answer 200 to dataJobRead:") and "description" in found[1]
