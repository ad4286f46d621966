"""vdk-jupyter behind a real JupyterHub (issue 23): users log in on the hub's login page, their
JupyterLab is a single-user server under /user/<name>/ behind the hub's proxy, with nothing set up
for vdk-jupyter but the package installed in its environment.

There: the markers, Run data job (rows checked), the failing cell, the run report, the kernel in
the launcher, Deploy and the jobs panel against the test Control Service; a second user cannot
reach the first user's runs. And jupyterhub-idle-culler leaves a server alone while a run goes
on with no one watching, then culls it once it is idle.
"""
from __future__ import annotations

import os
import sqlite3
import sys
import time

import pytest

import notebooks
from .jupyterhub_process import PASSWORD
from .jupyterhub_process import JupyterHub
from .jupyterhub_process import missing_prerequisite
from .test_markers import expect_markers
from .test_run import failing_job
from .test_run import wait_for_phase

pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")

from test_deploy import PASSING
from test_deploy import deployable_job

USERS = ["ana", "ben"]


def skip_without_hub() -> None:
    reason = missing_prerequisite()
    if reason and os.environ.get("CI") == "true":
        # CI installs both (the test extra, scripts/setup.sh): a skip there would hide it.
        pytest.fail(f"the JupyterHub tests cannot run in CI: {reason}")
    if reason:
        pytest.skip(f"JupyterHub test skipped: {reason}")


@pytest.fixture(scope="module")
def control_service():
    from control_service import ControlServiceStandIn

    # Nothing is executed in the cloud here (tests/browser/test_deploy.py does that).
    with ControlServiceStandIn(lambda name, archive: ("failed", "not executed in this test")) as service:
        yield service
    assert service.violations == [], "requests or answers that stray from the API document"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, control_service):
    skip_without_hub()
    # The admin's way to give every user the team's Control Service: the spawner's environment.
    hub = JupyterHub(tmp_path_factory.mktemp("hub"), USERS, user_environment={
        "VDK_CONTROL_SERVICE_REST_API_URL": control_service.url,
        # Local runs keep their properties in memory: with the URL set, vdk-plugin-control-cli
        # would read them from the service, which fails for a job not created there yet.
        "VDK_PROPERTIES_DEFAULT_TYPE": "memory",
        "VDK_CONTROL_HTTP_TOTAL_RETRIES": "1", "VDK_CONTROL_HTTP_CONNECT_RETRIES": "0",
    }).start()
    yield hub
    hub.stop()


def log_in(browser, hub: JupyterHub, user: str):
    """A fresh browser, the hub's login page, and the wait for the user's JupyterLab."""
    context = browser.new_context(viewport={"width": 1440, "height": 860})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(hub.url + "hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=120_000)
    page.locator(".jp-LauncherCard").first.wait_for(timeout=120_000)
    return page


def open_in_lab(page, hub: JupyterHub, user: str, path: str):
    page.goto(f"{hub.url}user/{user}/lab/tree/{path}?reset")
    page.locator(".jp-NotebookPanel .vdk-marker").first.wait_for()
    return page.locator(".jp-NotebookPanel:visible")


def user_api(page, hub: JupyterHub, user: str, method: str, path: str, data=None):
    """A request to `user`'s vdk-jupyter API with the browser's hub login (cookies)."""
    url = f"{hub.url}user/{user}/vdk-jupyter/{path}"
    request = page.context.request
    if method == "GET":
        return request.get(url)
    # Jupyter's XSRF check, as JupyterLab passes it: the _xsrf cookie echoed in a header.
    xsrf = next((c["value"] for c in page.context.cookies() if c["name"] == "_xsrf"), "")
    return request.post(url, data=data or {}, headers={"X-XSRFToken": xsrf})


def test_a_user_runs_deploys_and_lists_jobs_in_jupyterlab_under_the_hub(browser, hub, control_service):
    page = log_in(browser, hub, "ana")
    home = hub.home("ana")
    # The kernel the package installs is in the launcher.
    page.locator(".jp-LauncherCard", has_text="VDK (Python 3)").first.wait_for()

    # Run data job: the markers, a passing run, its rows.
    job = home / "daily-totals"
    job.mkdir()
    (job / "config.ini").write_text("[owner]\nteam = hub-tests\n")
    (job / "10_create.sql").write_text("CREATE TABLE totals (day TEXT, amount REAL)")
    notebooks.write(job / "20_transform.ipynb", [
        notebooks.code("rows = [('2026-11-24', 5.5), ('2026-11-25', 7.25)]", cell_id="rows"),
        notebooks.code("explore_locally()", tags=["non-vdk"], cell_id="explore"),
        notebooks.code(
            "for day, amount in rows:\n"
            "    job_input.execute_query(f\"INSERT INTO totals VALUES ('{day}', {amount})\")",
            cell_id="insert"),
    ])
    panel = open_in_lab(page, hub, "ana", "daily-totals/20_transform.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3"])
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "succeeded")
    runs = user_api(page, hub, "ana", "GET", "runs?path=daily-totals").json()["runs"]
    result = user_api(page, hub, "ana", "GET", f"runs/{runs[0]['run_id']}?after=0").json()["result"]
    with sqlite3.connect(result["database"]["file"]) as connection:
        rows = connection.execute("SELECT day, amount FROM totals ORDER BY day").fetchall()
    assert rows == [("2026-11-24", 5.5), ("2026-11-25", 7.25)]
    assert result["database"]["file"].startswith(str(home))  # the user's own home

    # A failing run: the failing cell highlighted, the run report opens.
    failing = home / "failing-job"
    failing.mkdir()
    (failing / "config.ini").write_text("[owner]\nteam = hub-tests\n")
    failing_job(failing)
    panel = open_in_lab(page, hub, "ana", "failing-job/20_transform.ipynb")
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    failed = panel.locator(".jp-CodeCell").nth(1)
    failed.locator(".vdk-cell-error").wait_for()
    assert "vdk run failed here (code cell 2, line 2): ZeroDivisionError: division by zero" in failed.locator(
        ".vdk-cell-error-head").inner_text()
    assert "vdk-failed-cell" in failed.get_attribute("class")
    panel.locator(".vdk-report-button").click()
    report = page.locator(".jp-NotebookPanel.vdk-report")
    report.locator(".jp-OutputArea-output", has_text="ZeroDivisionError").first.wait_for()
    failed_run = user_api(page, hub, "ana", "GET", "runs?path=failing-job").json()["runs"][0]

    # Deploy and the jobs panel, against the Control Service the admin set for every user.
    deployable_job(home, PASSING, name="hub-deployed-job")
    (home / "hub-deployed-job/config.ini").write_text(
        "[owner]\nteam = analytics\n\n[job]\nschedule_cron = 11 23 5 8 1\n")
    page.goto(f"{hub.url}user/ana/lab/tree/hub-deployed-job/20_load.ipynb?reset")
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".vdk-deploy-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input[name='reason']").fill("first version, from the hub")
    dialog.locator("button.jp-mod-accept").click()
    page.locator(".jp-toast-message", has_text="Deployed data job hub-deployed-job").wait_for(
        timeout=120_000)
    assert [name for name, _ in control_service.uploads] == ["hub-deployed-job"]
    page.get_by_role("button", name="Show data jobs").click()
    jobs = page.locator("#vdk-jobs-panel")
    item = jobs.locator(".vdk-job[data-job='hub-deployed-job']")
    item.wait_for()
    assert "never executed" in item.inner_text()

    # A second user: their own server knows none of ana's runs, and ana's server refuses them.
    other = log_in(browser, hub, "ben")
    assert user_api(other, hub, "ben", "GET", "runs").json()["runs"] == []
    for method, path in (("GET", "runs"), ("GET", f"runs/{failed_run['run_id']}?after=0"),
                         ("GET", f"runs/{failed_run['run_id']}/report?notebook=20_transform.ipynb"),
                         ("GET", f"runs/{failed_run['run_id']}/log"),
                         ("POST", f"runs/{failed_run['run_id']}/stop")):
        answer = user_api(other, hub, "ana", method, path)
        assert answer.status == 403 or (answer.status == 200 and "/hub/login" in answer.url), \
            (method, path, answer.status, answer.url)
    other.context.close()
    page.context.close()


# Culling, with the logic of a 60 s timeout and a 120 s job at a quarter of the time.
IDLE_TIMEOUT = 15  # s: jupyterhub-idle-culler's --timeout
JOB_SECONDS = 30  # twice the timeout, as the 120 s job against the 60 s timeout


@pytest.fixture(scope="module")
def culling_hub(tmp_path_factory):
    skip_without_hub()
    culler = {"name": "idle-culler", "command": [
        sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}", "--cull-every=3"]}
    hub = JupyterHub(tmp_path_factory.mktemp("culling-hub"), ["cyd"],
                     user_environment={"VDK_PROPERTIES_DEFAULT_TYPE": "memory"},
                     services=[culler]).start()
    yield hub
    hub.stop()


def test_the_idle_culler_waits_for_a_run_to_end_then_culls_the_idle_server(culling_hub):
    hub = culling_hub
    job = hub.home("cyd") / "long-job"
    job.mkdir(parents=True)
    (job / "config.ini").write_text("[owner]\nteam = hub-tests\n")
    notebooks.write(job / "20_long.ipynb", [
        notebooks.code(f"import time\ntime.sleep({JOB_SECONDS})"),
        notebooks.code("job_input.execute_query('CREATE TABLE done (x INTEGER)')\n"
                       "job_input.execute_query('INSERT INTO done VALUES (1)')\n"
                       "open('finished', 'w').close()"),
    ])
    assert hub.api("POST", "users/cyd/server").status in (201, 202)
    deadline = time.monotonic() + 120
    while not (hub.server("cyd") or {}).get("ready"):
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.5)
    answer = hub.request("POST", "user/cyd/vdk-jupyter/runs", {"path": "long-job"}, token=hub.token)
    assert answer.status == 202, answer
    run_id = answer.json["run_id"]

    # Nothing but the run from here: no browser, no requests to the server until it finishes.
    deadline = time.monotonic() + JOB_SECONDS + 60
    while not (job / "finished").exists():
        assert hub.server("cyd") is not None, "the server was culled while the job ran"
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(1)
    finished = time.monotonic()
    time.sleep(2)  # the run's end is read by the server
    answer = hub.request("GET", f"user/cyd/vdk-jupyter/runs/{run_id}?after=0", token=hub.token)
    result = answer.json["result"]
    assert result["status"] == "succeeded", answer
    with sqlite3.connect(result["database"]["file"]) as connection:
        assert connection.execute("SELECT x FROM done").fetchall() == [(1,)]

    # Idle now: culled, and only after the idle timeout.
    while hub.server("cyd") is not None:
        assert time.monotonic() < finished + IDLE_TIMEOUT + 60, "the idle server was not culled"
        time.sleep(1)
    assert time.monotonic() - finished >= IDLE_TIMEOUT - 5
