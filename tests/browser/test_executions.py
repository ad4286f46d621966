"""A deployed job's executions in the `Show data jobs` panel and their logs in a tab, against the
test Control Service (tests/control_service.py) answering as the real one does: the GraphQL jobs
query in upper case (USER_ERROR), the REST executions in lower case. The executions are put into
the service as its scheduler would start them, and moved on by the test (status, new log lines).
"""
from __future__ import annotations

import time
import uuid

import pytest

pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")

from test_deploy import PASSING
from test_deploy import TEAM as DEPLOY_TEAM
from test_deploy import deployable_job

from .test_deploy import edit_cell
from .test_deploy import open_job_notebook
from .test_deploy import open_panel

TEAM = "status-team"
STATUSES = {"submitted": "submitted", "running": "running", "succeeded": "succeeded",
            "cancelled": "cancelled", "skipped": "skipped",
            "user_error": "failed (user error)", "platform_error": "failed (platform error)"}


def colour(locator) -> str:
    return locator.evaluate("node => getComputedStyle(node).color")


def test_every_status_has_its_word_and_colour_in_the_list_and_the_executions(
        page, lab, service):
    service.add_job(TEAM, "ui-status-job", deployed=True)
    service.jobs[(TEAM, "ui-status-job")].data["config"] = {
        "schedule": {"schedule_cron": "30 4 * * *"}}
    jobs = open_panel(page, lab, TEAM, "ui-status-job")
    item = jobs.locator(".vdk-job[data-job='ui-status-job']")
    # The schedule in words with its next run in the browser's time zone (the service's is UTC).
    schedule = item.locator(".vdk-job-schedule")
    text = schedule.inner_text()
    assert text.startswith("schedule: at 04:30 UTC every day · next: ")
    shown = text.split(" · next: ")[1]
    expected = page.evaluate("""() => { const d = new Date(); d.setUTCSeconds(0, 0);
        const run = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 4, 30));
        if (run <= d) run.setUTCDate(run.getUTCDate() + 1);
        return run.toLocaleString(); }""")
    assert shown == expected
    assert schedule.get_attribute("title").startswith("Cron 30 4 * * * (UTC). Next runs, your time (")
    jobs.locator(".vdk-execution-none").wait_for()
    colours = {}
    for status, word in STATUSES.items():
        service.add_execution(TEAM, "ui-status-job", status)
        jobs.get_by_role("button", name="Refresh").click()
        last = item.locator(f".vdk-job-last .vdk-status[data-status='{status}']")
        last.wait_for()
        assert last.inner_text() == word
        newest = jobs.locator(".vdk-execution").first.locator(".vdk-status")
        newest.locator(f"xpath=self::*[@data-status='{status}']").wait_for()
        assert newest.inner_text() == word
        assert colour(newest) == colour(last)
        colours[status] = colour(newest)
        cancel = jobs.locator(".vdk-execution").first.get_by_role("button", name="Cancel")
        assert cancel.count() == (1 if status in ("submitted", "running") else 0)
        service.execution("ui-status-job")["status"] = "user_error"  # one active at most
        if status in ("submitted", "running"):
            jobs.get_by_role("button", name="Refresh").click()
            page.locator(".jp-toast-message", has_text="failed (user error).").nth(
                ["submitted", "running"].index(status)).wait_for()
    assert len(set(colours.values())) == len(STATUSES), colours


def test_logs_follow_a_running_execution_which_is_cancelled_from_the_log_view(
        page, lab, service):
    service.add_job(TEAM, "ui-logs-job", deployed=True)
    running = service.add_execution(
        TEAM, "ui-logs-job", "running",
        logs="2026-12-07 05:00:00 [VDK] data_job.py run_step | Processing step 10_load.ipynb\n"
             "loaded 2 rows\n")
    jobs = open_panel(page, lab, TEAM, "ui-logs-job")
    jobs.locator(".vdk-execution").first.get_by_role("button", name="Logs").click()
    view = page.locator(".vdk-execution-log:visible")
    view.locator(".vdk-log-line", has_text="loaded 2 rows").wait_for()
    assert view.locator(".vdk-log-status .vdk-status").inner_text() == "running"
    step = view.locator(".vdk-log-step")
    assert step.count() == 1 and "Processing step 10_load.ipynb" in step.inner_text()

    # New lines at the service show by themselves, also after a quiet while (the view has
    # backed off); the figure: how long each took.
    took = []
    for n, quiet in enumerate((0.3, 2.0, 4.0)):
        time.sleep(quiet)
        running["log_text"] += f"loaded {n} more rows\n"
        added = time.monotonic()
        view.locator(".vdk-log-line", has_text=f"loaded {n} more rows").wait_for(timeout=20_000)
        took.append(time.monotonic() - added)
    print("\nnew log line shown after " + ", ".join(f"{t:.2f}" for t in took) + " s")

    view.get_by_label("Search the logs").fill("more rows")
    assert view.locator(".vdk-log-match").count() == 3
    assert view.locator(".vdk-log-matches").inner_text() == "3 lines match"

    # Hidden (another tab in front): the view asks nothing.
    page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
    page.locator(".lm-Menu-item", has_text="New Launcher").click()
    view.wait_for(state="hidden")
    time.sleep(0.5)  # a request under way when it was hidden may still arrive
    before = service.operations().count("dataJobLogsDownload")
    time.sleep(6)
    hidden = service.operations().count("dataJobLogsDownload") - before
    print(f"log requests while hidden for 6 s: {hidden}")
    assert hidden == 0
    page.get_by_role("tab", name="Logs: ui-logs-job").click()
    view.wait_for()

    view.get_by_role("button", name="Cancel").click()
    dialog = page.locator(".jp-Dialog")
    assert "is running. Cancel it?" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel execution").click()
    view.locator(".vdk-log-status .vdk-status[data-status='cancelled']").wait_for()
    assert view.locator(".vdk-log-status").inner_text() == "cancelled"
    assert running["status"] == "cancelled"
    assert view.get_by_role("button", name="Cancel").is_hidden()
    # The log stays; the panel says cancelled too.
    assert view.locator(".vdk-log-line", has_text="loaded 2 more rows").count() == 1
    jobs.get_by_role("button", name="Refresh").click()
    jobs.locator(".vdk-execution[data-status='cancelled']").first.wait_for()


def test_cancel_from_the_panel_and_logs_that_the_service_does_not_keep(page, lab, service):
    service.add_job(TEAM, "ui-cancel-job", deployed=True)
    elsewhere = service.add_execution(TEAM, "ui-cancel-job", "user_error")
    nowhere = service.add_execution(TEAM, "ui-cancel-job", "platform_error", logs_url=False)
    submitted = service.add_execution(TEAM, "ui-cancel-job", "submitted")
    jobs = open_panel(page, lab, TEAM, "ui-cancel-job")
    row = jobs.locator(f".vdk-execution[data-execution='{submitted['id']}']")
    row.get_by_role("button", name="Cancel").click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_role("button", name="Keep running").click()
    dialog.wait_for(state="detached")
    assert submitted["status"] == "submitted"
    row.get_by_role("button", name="Cancel").click()
    dialog.get_by_role("button", name="Cancel execution").click()
    jobs.locator(f".vdk-execution[data-execution='{submitted['id']}'][data-status='cancelled']") \
        .wait_for()
    assert submitted["status"] == "cancelled"
    # Seen submitted, then ended: a notification in the same words, whose Logs opens its logs.
    submitted["log_text"] = "2026-12-07 05:00:00 [VDK] cancelled while submitted\n"
    ended = page.locator(".Toastify__toast", has=page.locator(
        ".jp-toast-message",
        has_text=f"Data job ui-cancel-job: execution {submitted['id']} cancelled."))
    ended.get_by_role("button", name="Logs").click()
    view = page.locator(".vdk-execution-log:visible")
    view.locator(".vdk-log-line", has_text="cancelled while submitted").wait_for()
    assert view.locator(".vdk-log-status").inner_text() == "cancelled"

    # Neither logs nor a link: said so, with the command that might still have them.
    jobs.locator(f".vdk-execution[data-execution='{nowhere['id']}']") \
        .get_by_role("button", name="Logs").click()
    note = page.locator(".vdk-execution-log:visible .vdk-log-note")
    note.wait_for()
    assert "has no logs of this execution and links none" in note.inner_text()
    assert page.locator(".vdk-execution-log:visible .vdk-status").inner_text() == \
        "failed (platform error)"

    # Only a link: opened, and shown.
    with page.context.expect_page() as opened:
        jobs.locator(f".vdk-execution[data-execution='{elsewhere['id']}']") \
            .get_by_role("button", name="Logs").click()
    assert opened.value.url == elsewhere["logs_url"]
    link = page.locator(".vdk-execution-log:visible .vdk-log-link")
    assert link.get_attribute("href") == elsewhere["logs_url"]


def test_properties_and_a_secret_that_appears_nowhere(page, lab, service):
    service.add_job(TEAM, "ui-settings-job", deployed=True)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    jobs = open_panel(page, lab, TEAM, "ui-settings-job")
    jobs.get_by_text("Properties and secrets").click()
    properties = jobs.get_by_label("Properties (JSON)")
    jobs.locator(".vdk-secret-none").wait_for()
    assert properties.input_value() == "{}"

    properties.fill('{"rows": 100, source: "sales"}')  # not JSON: refused before sending
    jobs.get_by_role("button", name="Save properties").click()
    assert jobs.locator(".vdk-settings-message").inner_text().startswith("Not JSON: ")
    properties.fill('["rows"]')
    jobs.get_by_role("button", name="Save properties").click()
    assert jobs.locator(".vdk-settings-message").inner_text().startswith(
        "Properties are one JSON object")
    assert "dataJobPropertiesUpdate" not in service.operations()
    properties.fill('{"rows": 100, "source": {"table": "sales"}}')
    jobs.get_by_role("button", name="Save properties").click()
    jobs.get_by_text("Properties of ui-settings-job saved.").wait_for()
    assert service.jobs[(TEAM, "ui-settings-job")].properties == \
        {"rows": 100, "source": {"table": "sales"}}

    value = "never-shown-" + uuid.uuid4().hex
    jobs.get_by_label("Secret name").fill("db_password")
    jobs.get_by_label("Secret value").fill(value)
    jobs.get_by_role("button", name="Set secret").click()
    jobs.get_by_text("Secret db_password set.").wait_for()
    assert jobs.get_by_label("Secret value").input_value() == ""
    assert jobs.locator(".vdk-secret").inner_text().startswith("db_password")
    assert service.jobs[(TEAM, "ui-settings-job")].secrets == {"db_password": value}
    # Shown again from the service: names only.
    jobs.get_by_role("button", name="Refresh").click()
    page.reload()
    jobs = open_panel(page, lab, TEAM, "ui-settings-job")
    jobs.get_by_text("Properties and secrets").click()
    jobs.locator(".vdk-secret[data-secret='db_password']").wait_for()
    assert value not in page.content()
    assert not any(value in line for line in console)
    assert value not in lab.log.read_text(errors="replace")

    jobs.get_by_role("button", name="Delete secret db_password").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Delete").click()
    jobs.locator(".vdk-secret-none").wait_for()
    assert service.jobs[(TEAM, "ui-settings-job")].secrets == {}


def test_a_deployed_notebook_shows_its_job_in_its_toolbar(page, lab, service):
    deployable_job(lab.root, PASSING, name="ui-toolbar-job")
    service.add_job(DEPLOY_TEAM, "ui-toolbar-job", deployed=True)
    service.jobs[(DEPLOY_TEAM, "ui-toolbar-job")].data["config"] = {
        "schedule": {"schedule_cron": "0 5 * * 1-5"}}
    service.add_execution(DEPLOY_TEAM, "ui-toolbar-job", "platform_error")
    panel = open_job_notebook(page, lab, "ui-toolbar-job/20_load.ipynb")
    status = panel.locator(".vdk-job-status")
    status.wait_for()
    assert status.inner_text() == "deployed: failed (platform error) just now"
    assert status.locator(".vdk-status").get_attribute("data-status") == "platform_error"
    assert status.get_attribute("title").startswith(
        f"Data job ui-toolbar-job (team {DEPLOY_TEAM}): version 0000000 deployed on ")
    assert "enabled.\nSchedule: at 05:00 UTC on weekdays; next run " in status.get_attribute("title")
    assert "\nLast execution: failed (platform error), started just now." in \
        status.get_attribute("title")

    # Saved after the deployment: it says so.
    edit_cell(page, panel, 0, "print('changed')")
    page.keyboard.press("Control+s")
    status.locator(".vdk-job-changed", has_text="changed").wait_for()
    assert "This notebook changed since deployed." in status.get_attribute("title")

    # The panel's refresh updates it; a click shows the job there.
    status.click()
    jobs = page.locator("#vdk-jobs-panel")
    jobs.get_by_text("Executions of ui-toolbar-job").wait_for()
    service.add_execution(DEPLOY_TEAM, "ui-toolbar-job", "succeeded")
    jobs.get_by_role("button", name="Refresh").click()
    # (With the side panel open the notebook's toolbar may move it into its overflow menu.)
    page.locator(".vdk-job-status .vdk-status[data-status='succeeded']").wait_for(
        state="attached")


def test_a_hidden_panel_asks_the_service_nothing(page, lab, service):
    """The figure of issue 24: requests to the service while nothing changes. Visible, the panel
    follows a running execution every 3 s; hidden (its side bar collapsed), not at all."""
    service.add_job(TEAM, "ui-quiet-job", deployed=True)
    service.add_execution(TEAM, "ui-quiet-job", "running")
    jobs = open_panel(page, lab, TEAM, "ui-quiet-job")
    jobs.locator(".vdk-execution[data-status='running']").wait_for()

    def requests_in(seconds: float) -> int:
        before = len(service.requests)
        time.sleep(seconds)
        return len(service.requests) - before

    visible = requests_in(10)
    page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab.lm-mod-current").click()
    jobs.wait_for(state="hidden")
    time.sleep(0.5)  # a refresh under way when it was hidden may still arrive
    hidden = requests_in(20)
    print(f"\nrequests to the service per minute, panel following a running execution: visible "
          f"{visible * 6}, hidden {hidden * 3}")
    assert visible > 0 and hidden == 0
