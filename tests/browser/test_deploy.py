"""Deploying from JupyterLab and the `Show data jobs` panel, end to end: the lab's server talks
through vdk-control-cli to the test Control Service (tests/control_service.py), which runs what it
received as the cloud would (tests/cloud.py) and reports the real outcome.

The server is pointed at the service as a user points vdk-control-cli at one, with
`vdk set-default -u <url>` (saved under the server's HOME and read on every request): so the same
lab also shows what happens where no Control Service is configured.
"""
from __future__ import annotations

import json
import sqlite3

import pytest

pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")

from notebooks import code
from test_deploy import PASSING
from test_deploy import TEAM
from test_deploy import deployable_job
from test_deploy import uploaded_files

from .browser_lab import screenshot
from .browser_lab import set_default_url

EXECUTION_TIMEOUT = 600_000  # ms; the first execution of a session builds the cloud's venv


def uploads_or_changes(service) -> list:
    """The requests but the job list that an opened notebook of a job reads for its toolbar."""
    return [r for r in service.requests if r.operation != "jobsQuery"]


def open_job_notebook(page, lab, path: str):
    page.goto(lab.lab_url(path))
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".vdk-deploy-button").wait_for()
    return panel


def deploy_from_toolbar(page, panel, reason: str, confirm: str | None = None) -> None:
    """Deploy, the reason, and the dialog's OK: "Deploy", or "Save and deploy" where the
    notebook has unsaved changes (JupyterLab may mark a notebook written here changed as it
    opens it, adding cell ids); `confirm` insists on one."""
    panel.locator(".vdk-deploy-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input[name='reason']").fill(reason)
    accept = dialog.locator("button.jp-mod-accept")
    if confirm:
        assert accept.inner_text() == confirm
    accept.click()


def no_toast_saying(page, text: str) -> None:
    """Waits until no notification toast in the page says `text` (dismissed toasts leave with
    an animation, so one may still be there when the next appears)."""
    page.wait_for_function(
        """text => !Array.from(document.querySelectorAll('.jp-toast-message'))
            .some(node => node.textContent.includes(text))""",
        arg=text,
    )


def refusal(page) -> str:
    """The message of the `was not deployed` dialog; closes it."""
    dialog = page.locator(".jp-Dialog", has_text="was not deployed")
    text = dialog.locator(".vdk-deploy-message").inner_text()
    dialog.get_by_role("button", name="OK").click()
    dialog.wait_for(state="detached")
    return text


def edit_cell(page, panel, index: int, source: str) -> None:
    editor = panel.locator(".jp-CodeCell").nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(source)


def execute_and_wait(jobs, name: str, status: str) -> str:
    jobs.get_by_role("button", name=name, exact=True).click()
    jobs.get_by_role("button", name="Execute now").click()
    # No clicks from here on: the panel refreshes by itself until the execution has finished.
    newest = jobs.locator(".vdk-execution").first
    jobs.locator(f".vdk-execution[data-status='{status}']").wait_for(timeout=EXECUTION_TIMEOUT)
    return newest.inner_text()


def test_deploy_from_the_toolbar_execute_in_the_panel_and_the_rows_land(page, lab, service):
    job = deployable_job(lab.root, PASSING, name="ui-deployed-job")
    panel = open_job_notebook(page, lab, "ui-deployed-job/20_load.ipynb")
    panel.locator(".vdk-deploy-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input[name='reason']").fill("first version, from the notebook")
    screenshot(page, "deploy-dialog")
    dialog.locator("button.jp-mod-accept").click()

    notice = page.locator(".jp-toast-message", has_text="Deployed data job ui-deployed-job")
    notice.wait_for(timeout=120_000)
    assert f"of team {TEAM}, version" in notice.inner_text()
    [(name, archive)] = service.uploads
    assert name == "ui-deployed-job"
    uploaded = json.loads(uploaded_files(archive)["ui-deployed-job/20_load.ipynb"])
    assert all(c.get("outputs", []) == [] for c in uploaded["cells"])  # stripped on the copy
    assert "customer 4711" in (job / "20_load.ipynb").read_text()  # the user's file keeps them

    page.get_by_role("button", name="Show data jobs").click()
    jobs = page.locator("#vdk-jobs-panel")
    item = jobs.locator(".vdk-job[data-job='ui-deployed-job']")
    item.wait_for()
    assert jobs.get_by_label("Team").input_value() == TEAM
    assert "schedule: at 23:11 UTC on day 5 of August and on Mondays in August · next: " in \
        item.inner_text() and "enabled" in item.inner_text()
    assert "never executed" in item.inner_text()

    newest = execute_and_wait(jobs, "ui-deployed-job", "succeeded")
    assert newest.startswith("succeeded · ") and "by manual/vdk-jupyter" in newest
    assert jobs.locator(".vdk-execution").first.get_by_role("button", name="Logs").is_visible()
    item.locator(".vdk-job-last[data-status='succeeded']").wait_for()
    screenshot(page, "jobs-panel")
    with sqlite3.connect(service.cloud_database) as db:
        assert db.execute("SELECT amount FROM sales ORDER BY amount").fetchall() == [(0.5,), (99.5,)]

    jobs.get_by_role("button", name="Disable").click()
    jobs.get_by_role("button", name="Enable").wait_for()
    assert "disabled" in item.inner_text()
    assert service.jobs[(TEAM, "ui-deployed-job")].deployment["enabled"] is False


def test_a_job_that_fails_in_the_cloud_shows_failed(page, lab, service):
    deployable_job(lab.root, [code("raise ValueError('no rows for 2026-11-25 in the source')")],
                   name="ui-failing-job")
    panel = open_job_notebook(page, lab, "ui-failing-job/20_load.ipynb")
    deploy_from_toolbar(page, panel, "fails at run time")
    page.locator(".jp-toast-message", has_text="Deployed data job ui-failing-job").wait_for(
        timeout=120_000)

    # From the VDK menu: the team is the one in the current notebook's config.ini.
    page.locator(".lm-MenuBar-itemLabel", has_text="VDK").click()
    page.locator(".lm-Menu-item", has_text="Show data jobs").click()
    jobs = page.locator("#vdk-jobs-panel")
    jobs.locator(".vdk-job[data-job='ui-failing-job']").wait_for()
    assert jobs.get_by_label("Team").input_value() == TEAM

    newest = execute_and_wait(jobs, "ui-failing-job", "user_error")
    assert newest.startswith("failed (user error) · ")
    assert "ValueError" in service.execution("ui-failing-job")["log_text"]

    # A Control Service failure is one line in the panel, not a dialog.
    service.fail_with = 503
    jobs.get_by_role("button", name="Refresh").click()
    alert = jobs.get_by_role("alert")
    alert.wait_for()
    assert "HTTP 503" in alert.inner_text() and "\n" not in alert.inner_text()
    assert page.locator(".jp-Dialog").count() == 0


def test_refused_deploys_say_why_and_upload_nothing(page, lab, service, cloud_service):
    job = deployable_job(lab.root, [code("def broken(:")], name="ui-refused-job")
    panel = open_job_notebook(page, lab, "ui-refused-job/20_load.ipynb")

    set_default_url(lab, None)
    try:
        deploy_from_toolbar(page, panel, "no service configured")
        message = refusal(page)
    finally:
        set_default_url(lab, cloud_service.url)
    assert "No Control Service is configured" in message
    assert "VDK_CONTROL_SERVICE_REST_API_URL" in message and "broken" not in message
    # The first deploy's toast is dismissed, but stays in the page for its closing animation.
    no_toast_saying(page, "Deploying")

    deploy_from_toolbar(page, panel, "broken notebook")
    page.locator(".jp-Dialog .vdk-deploy-refused-notebook").wait_for()
    no_toast_saying(page, "Deploying")
    screenshot(page, "deploy-refused")
    message = refusal(page)
    assert message.startswith("20_load.ipynb cannot be run.\nSyntax error in a notebook cell")
    assert "Where: 20_load.ipynb, code cell 1" in message
    assert uploads_or_changes(service) == []

    # Fixed in the browser, not saved: "Save and deploy", and then the service wants a login.
    edit_cell(page, panel, 0, "total = 1")
    service.token = "a-token-this-server-does-not-have"
    deploy_from_toolbar(page, panel, "not logged in", confirm="Save and deploy")
    message = refusal(page)
    assert "(HTTP 401)" in message and "vdk login" in message and "\n" not in message
    assert "total = 1" in (job / "20_load.ipynb").read_text()
    assert [(r.operation, r.status) for r in service.requests
            if r.operation != "jobsQuery"] == [("dataJobRead", 401)]
    assert service.uploads == []


def test_missing_requirement_is_offered_and_added(page, lab, service):
    job = deployable_job(lab.root, PASSING, name="ui-requirement-job")
    (job / "requirements.txt").write_text("pandas\n")
    panel = open_job_notebook(page, lab, "ui-requirement-job/20_load.ipynb")
    deploy_from_toolbar(page, panel, "needs the plugin")

    offer = page.locator(".jp-Dialog", has_text="vdk-jupyter")
    offer.get_by_role("button", name="Add vdk-jupyter and deploy").wait_for()
    assert uploads_or_changes(service) == []  # refused before the service was asked
    service.delay = 0.5  # a slow service: the deploy takes a few seconds
    offer.get_by_role("button", name="Add vdk-jupyter and deploy").click()
    # While it deploys: the button says so and cannot start a second deploy.
    button = panel.locator(".vdk-deploy-button")
    assert button.inner_text() == "Deploying…" and button.is_disabled()
    button.click(force=True)
    assert page.locator(".jp-Dialog").count() == 0
    notice = page.locator(".jp-toast-message", has_text="Deployed data job ui-requirement-job")
    notice.wait_for(timeout=120_000)
    assert "what it lacked added to requirements.txt" in notice.inner_text()
    assert (job / "requirements.txt").read_text() == "pandas\nvdk-jupyter\n"
    [(_, archive)] = service.uploads
    assert uploaded_files(archive)["ui-requirement-job/requirements.txt"] == b"pandas\nvdk-jupyter\n"


def test_the_dialog_lists_the_files_to_upload_and_a_link_out_of_the_job_is_refused(
        page, lab, service, tmp_path):
    job = deployable_job(lab.root, PASSING, name="ui-listed-job")
    (job / ".env").write_text("DB_PASSWORD=not-for-the-cloud")
    (job / "helpers.py").write_text("X = 1\n")
    panel = open_job_notebook(page, lab, "ui-listed-job/20_load.ipynb")
    panel.locator(".vdk-deploy-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".vdk-deploy-files li").first.wait_for()
    assert dialog.locator(".vdk-deploy-files li").all_inner_texts() == [
        "10_create.sql", "20_load.ipynb", "config.ini", "helpers.py", "requirements.txt"]
    assert ".env" in dialog.locator(".vdk-deploy-left-out").inner_text()
    # config.ini's schedule in words, its next run in the browser's time zone.
    schedule = dialog.locator(".vdk-deploy-schedule")
    assert schedule.inner_text().startswith(
        "Schedule: at 23:11 UTC on day 5 of August and on Mondays in August (next: ")
    assert "Next runs, your time (" in schedule.get_attribute("title")
    screenshot(page, "deploy-dialog-files")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")

    config = (job / "config.ini").read_text()
    (job / "config.ini").write_text(config.replace("11 23 5 8 1", "0 5 * * funday"))
    panel.locator(".vdk-deploy-button").click()
    problem = dialog.locator(".vdk-deploy-schedule.vdk-mod-problem")
    assert problem.inner_text() == (
        "The schedule in config.ini is not valid: In the day of week field 'funday': 'funday' is "
        "not a number or a name such as 'mon'.")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")
    (job / "config.ini").write_text(config)

    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    (job / "notes.txt").symlink_to(secret)
    panel.locator(".vdk-deploy-button").click()
    message = refusal(page)  # at once: no reason is asked for a job that cannot be deployed
    assert message.startswith(f"notes.txt in the job folder is a symbolic link to {secret}, "
                              "outside the job folder"), message
    assert uploads_or_changes(service) == [] and service.uploads == []


def open_panel(page, lab, team: str, job: str):
    """A fresh JupyterLab with the jobs panel of `team` open (VDK menu), job `job` selected."""
    page.goto(f"{lab.url}lab?reset&token={lab.token}")
    page.locator(".lm-MenuBar-itemLabel", has_text="VDK").click()
    page.locator(".lm-Menu-item", has_text="Show data jobs").click()
    jobs = page.locator("#vdk-jobs-panel")
    jobs.get_by_label("Team").fill(team)
    jobs.get_by_role("button", name="Refresh").click()
    jobs.get_by_role("button", name=job, exact=True).click()
    return jobs


def open_panel_with_a_job(page, lab, service, name: str):
    """The jobs panel of TEAM with job `name` selected, its `Execute now` offered."""
    service.add_job(TEAM, name)
    jobs = open_panel(page, lab, TEAM, name)
    # The first look: `Create data job` is a card of the Launcher.
    page.locator(".jp-LauncherCard", has_text="Create data job").wait_for()
    jobs.get_by_role("button", name="Execute now").wait_for()
    return jobs


def assert_stale(jobs, name: str) -> None:
    """The error shown, wrapped in the panel; the old rows marked, with no action offered."""
    error = jobs.locator(".vdk-jobs-error")
    assert error.is_visible()
    assert error.evaluate("n => n.scrollWidth <= n.clientWidth"), "the error does not wrap"
    assert jobs.locator(f".vdk-jobs-list.vdk-stale .vdk-job[data-job='{name}']").is_visible()
    assert "Not refreshed" in jobs.locator(".vdk-jobs-note").inner_text()
    assert not jobs.get_by_role("button", name="Execute now").is_visible()


def test_a_service_that_refuses_connections_is_said_at_once_and_old_rows_are_marked(
        page, lab, service, cloud_service):
    import socket

    jobs = open_panel_with_a_job(page, lab, service, "ui-refused-rows")
    screenshot(page, "launcher")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    try:
        set_default_url(lab, f"http://127.0.0.1:{closed.getsockname()[1]}")
        jobs.get_by_role("button", name="Refresh").click()
        jobs.locator(".vdk-jobs-error").wait_for(timeout=15_000)
        assert_stale(jobs, "ui-refused-rows")
        screenshot(page, "jobs-panel-refused")
    finally:
        closed.close()
        set_default_url(lab, cloud_service.url)


def test_a_service_that_does_not_answer_shows_loading_then_the_error(page, lab, service, cloud_service):
    """Needs the server's bounded Control Service calls (issue 25): an answer within seconds."""
    import socket

    jobs = open_panel_with_a_job(page, lab, service, "ui-silent-rows")
    silent = socket.socket()  # listens, never accepts: a service that does not answer
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        set_default_url(lab, f"http://127.0.0.1:{silent.getsockname()[1]}")
        jobs.get_by_role("button", name="Refresh").click()
        # At once: the panel says it is asking, and the button cannot be pressed twice.
        jobs.locator(".vdk-jobs-loading-note", has_text=f"jobs of team {TEAM}").wait_for(timeout=5_000)
        assert jobs.locator("button", has_text="Loading…").is_disabled()
        jobs.locator(".vdk-jobs-loading-note").wait_for(state="hidden", timeout=60_000)
        assert_stale(jobs, "ui-silent-rows")
    finally:
        silent.close()
        set_default_url(lab, cloud_service.url)
