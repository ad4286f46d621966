"""Running the job from JupyterLab: progress, the error at the failing cell, the run report,
the log, a passing run's rows, a second run refused, stopping, bad arguments."""
from __future__ import annotations

import sqlite3

import notebooks
from .browser_lab import screenshot
from .test_markers import expect_markers, open_notebook


def status(panel):
    return panel.locator(".vdk-run-status")


def wait_for_phase(page, phase: str, timeout: float = 120_000) -> None:
    page.wait_for_selector(
        f".jp-NotebookPanel:not(.lm-mod-hidden) .vdk-run-status[data-phase='{phase}']", timeout=timeout
    )


def last_run(lab, job_dir) -> dict:
    """The result of the job's last run, as the server reports it (for the database file)."""
    runs = lab.api("GET", f"runs?path={job_dir.name}").json["runs"]
    answer = lab.api("GET", f"runs/{runs[0]['run_id']}?after=0")
    assert answer.json["done"], answer
    return answer.json["result"]


def failing_job(job_dir):
    (job_dir / "10_load.sql").write_text("CREATE TABLE orders (id INTEGER, amount REAL)")
    notebooks.write(job_dir / "20_transform.ipynb", [
        notebooks.code("rate = 0", cell_id="rate"),
        notebooks.code("total = 10\nper_unit = total / rate\nprint(per_unit)", cell_id="divide"),
        notebooks.code("print('never')", cell_id="after"),
    ])


def test_failing_run_shows_the_error_at_the_failing_cell_and_opens_the_report(page, lab, job_dir):
    failing_job(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2", "cell 3"])
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    failed = panel.locator(".jp-CodeCell").nth(1)
    error = failed.locator(".vdk-cell-error")
    error.wait_for()
    head = error.locator(".vdk-cell-error-head").inner_text()
    assert "vdk run failed here (code cell 2, line 2): ZeroDivisionError: division by zero" in head
    assert "vdk-failed-cell" in failed.get_attribute("class")
    assert error.is_visible()
    # Only the failing cell carries the error.
    assert panel.locator(".vdk-cell-error").count() == 1
    # The same name for the cell everywhere: marker, error, status and notification.
    assert status(panel).inner_text() == "Failed: code cell 2"
    assert "20_transform.ipynb, code cell 2, line 2" in status(panel).get_attribute("title")
    page.locator(".jp-toast-message", has_text="code cell 2").first.wait_for()
    screenshot(page, "failed-cell")

    panel.locator(".vdk-report-button").click()
    report = page.locator(".jp-NotebookPanel.vdk-report")
    report.wait_for()
    tab = page.locator(".lm-TabBar-tab.lm-mod-current", has_text=f"{job_dir.name}, run report of ")
    tab.wait_for()
    report.locator(".jp-OutputArea-output", has_text="ZeroDivisionError").first.wait_for()
    screenshot(page, "run-report")



def test_log_is_one_click_from_the_status(page, lab, job_dir):
    failing_job(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    status(panel).click()  # the pill: its message on hover, the log on click
    log = page.locator(".vdk-run-log pre")
    log.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.vdk-run-log pre').textContent.includes('ZeroDivisionError')"
    )
    screenshot(page, "run-log")


def test_a_failing_sql_step_is_named_with_its_error(page, lab, job_dir):
    (job_dir / "10_load.sql").write_text("SELECT * FROM no_such_table")
    notebooks.write(job_dir / "20_transform.ipynb", [notebooks.code("x = 1")])
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    text = status(panel).inner_text()
    assert text == "Failed: 10_load.sql", text
    # The step's error is one hover away on the status, and in the notification.
    assert "no such table: no_such_table" in status(panel).get_attribute("title")
    page.locator(".jp-toast-message", has_text="10_load.sql").first.wait_for()
    screenshot(page, "failed-sql-step")
    assert panel.locator(".vdk-cell-error").count() == 0


def test_passing_run_lands_rows_in_the_sqlite_file(page, lab, job_dir):
    (job_dir / "10_create.sql").write_text("CREATE TABLE totals (day TEXT, amount REAL)")
    notebooks.write(job_dir / "20_transform.ipynb", [
        notebooks.code("rows = [('2026-11-24', 5.5), ('2026-11-25', 7.25)]", cell_id="rows"),
        notebooks.code("explore_locally()", tags=["non-vdk"], cell_id="explore"),
        notebooks.code(
            "for day, amount in rows:\n"
            "    job_input.execute_query(f\"INSERT INTO totals VALUES ('{day}', {amount})\")",
            cell_id="insert"),
    ])
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3"])
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "succeeded")
    assert panel.locator(".vdk-cell-error").count() == 0
    screenshot(page, "run-succeeded")
    database = last_run(lab, job_dir)["database"]
    assert database["default"] and database["file"], database
    with sqlite3.connect(database["file"]) as connection:
        rows = connection.execute("SELECT day, amount FROM totals ORDER BY day").fetchall()
    assert rows == [("2026-11-24", 5.5), ("2026-11-25", 7.25)]


def test_second_run_is_refused_while_one_runs_and_a_run_can_be_stopped(page, lab, job_dir):
    notebooks.write(job_dir / "20_wait.ipynb", [
        notebooks.code("import time", cell_id="imports"),
        notebooks.code("time.sleep(60)", cell_id="wait"),
    ])
    panel = open_notebook(page, lab, f"{job_dir.name}/20_wait.ipynb")
    panel.locator(".vdk-run-button").click()
    page.wait_for_function(
        "() => document.querySelector('.vdk-run-status')?.textContent === 'Running code cell 2'"
    )
    assert "20_wait.ipynb, code cell 2 (2 of the 2 cells" in status(panel).get_attribute("title")
    assert "vdk-running-cell" in panel.locator(".jp-CodeCell").nth(1).get_attribute("class")
    screenshot(page, "run-progress")
    panel.locator(".vdk-run-button").click()
    page.locator(".jp-toast-message", has_text="is already running").first.wait_for()
    panel.locator(".vdk-stop-button").click()
    wait_for_phase(page, "stopped", timeout=60_000)
    assert status(panel).inner_text() == "Stopped by you"
    # Said where it stopped, as stopped: not as a failure.
    head = panel.locator(".vdk-cell-error-head").inner_text()
    assert "vdk run was stopped by you here (code cell 2" in head and "failed" not in head
    assert len(lab.api("GET", f"runs?path={job_dir.name}").json["runs"]) == 1


def test_arguments_that_are_not_a_json_object_are_refused_before_anything_starts(page, lab, job_dir):
    notebooks.write(job_dir / "20_x.ipynb", [notebooks.code("x = 1")])
    panel = open_notebook(page, lab, f"{job_dir.name}/20_x.ipynb")
    panel.locator(".vdk-arguments").fill('["2026-11-25"]')
    panel.locator(".vdk-run-button").click()
    page.locator(".jp-toast-message", has_text="must be a JSON object").first.wait_for()
    assert "vdk-invalid" in panel.locator(".vdk-arguments").get_attribute("class")
    assert lab.api("GET", f"runs?path={job_dir.name}").json["runs"] == []


def test_a_run_started_before_the_page_opened_shows_its_progress_and_result(page, lab, job_dir):
    go = job_dir / "go"
    notebooks.write(job_dir / "20_wait.ipynb", [
        notebooks.code(f"import pathlib, time\nwhile not pathlib.Path({str(go)!r}).exists():\n    time.sleep(0.05)"),
    ])
    started = lab.api("POST", "runs", {"path": job_dir.name})
    assert started.status == 202, started
    panel = open_notebook(page, lab, f"{job_dir.name}/20_wait.ipynb")
    wait_for_phase(page, "running")
    assert "20_wait.ipynb" in status(panel).get_attribute("title")
    go.write_text("")
    wait_for_phase(page, "succeeded")
