"""Repair run, Run from this notebook and Run this notebook only, in JupyterLab: what the user
clicks, the plan they read, and the rows that land in the job's database."""
from __future__ import annotations

import sqlite3

import notebooks
from .browser_lab import screenshot
from .test_markers import open_notebook
from .test_run import last_run
from .test_run import wait_for_phase


def log_row(step: str) -> str:
    """Python appending `step` to runs_log: safe to run first (a step run alone)."""
    return ("job_input.execute_query('CREATE TABLE IF NOT EXISTS runs_log (step TEXT)')\n"
            f"job_input.execute_query(\"INSERT INTO runs_log (step) VALUES ('{step}')\")")


def pipeline(job_dir) -> None:
    """10_extract.py -> 20_clean.ipynb -> 30_model.ipynb -> 40_publish.sql, each appending its
    name to runs_log; 30_model fails at code cell 2 until threshold.txt exists in the job."""
    (job_dir / "10_extract.py").write_text(
        "def run(job_input):\n"
        "    job_input.execute_query('CREATE TABLE IF NOT EXISTS runs_log (step TEXT)')\n"
        "    job_input.execute_query(\"INSERT INTO runs_log (step) VALUES ('10_extract')\")\n")
    notebooks.write(job_dir / "20_clean.ipynb", [notebooks.code(log_row("20_clean"), cell_id="clean")])
    notebooks.write(job_dir / "30_model.ipynb", [
        notebooks.code("import pathlib", cell_id="imports"),
        notebooks.code("threshold = float((job_input.get_job_directory() / 'threshold.txt').read_text())",
                       cell_id="threshold"),
        notebooks.code(log_row("30_model"), cell_id="write"),
    ])
    (job_dir / "40_publish.sql").write_text("INSERT INTO runs_log (step) VALUES ('40_publish')")


def rows(lab, job_dir) -> list[str]:
    database = last_run(lab, job_dir)["database"]["file"]
    with sqlite3.connect(database) as connection:
        return [s for (s,) in connection.execute("SELECT step FROM runs_log ORDER BY rowid")]


def test_repair_run_after_a_failure_shows_the_plan_and_runs_what_it_said(page, lab, job_dir):
    pipeline(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_clean.ipynb")
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    assert rows(lab, job_dir) == ["10_extract", "20_clean"]
    # The failure notification offers the repair too.
    page.locator(".jp-toast-button", has_text="Repair run").first.wait_for()

    (job_dir / "threshold.txt").write_text("0.5")  # the fix
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".vdk-repair-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".vdk-repair-plan").wait_for()
    plan = {row.get_attribute("data-step"): row.locator("td").all_inner_texts()
            for row in dialog.locator(".vdk-repair-plan tr").all()}
    assert plan["10_extract.py"][0] == "skip" and "unchanged" in plan["10_extract.py"][2]
    assert plan["20_clean.ipynb"][0] == "skip"
    assert plan["30_model.ipynb"][0] == "run" and "failed at code cell 2" in plan["30_model.ipynb"][2]
    assert plan["40_publish.sql"] == ["run", "40_publish.sql", "after a step that runs"]
    screenshot(page, "repair-plan")
    dialog.locator("button.jp-mod-accept").click()
    wait_for_phase(page, "succeeded")
    assert rows(lab, job_dir) == ["10_extract", "20_clean", "30_model", "40_publish"]


def test_run_from_this_notebook_skips_the_steps_before_it(page, lab, job_dir):
    pipeline(job_dir)
    (job_dir / "threshold.txt").write_text("0.5")
    panel = open_notebook(page, lab, f"{job_dir.name}/30_model.ipynb")
    panel.locator(".vdk-run-menu-button").click()
    page.locator(".vdk-run-menu .lm-Menu-item", has_text="Run from this notebook").click()
    wait_for_phase(page, "succeeded")
    assert rows(lab, job_dir) == ["30_model", "40_publish"]


def test_run_this_notebook_only_from_the_vdk_menu(page, lab, job_dir):
    pipeline(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_clean.ipynb")
    panel.locator(".jp-Notebook").click()
    page.locator(".lm-MenuBar-item", has_text="VDK").click()
    page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has_text="Run this notebook only").click()
    wait_for_phase(page, "succeeded")
    assert rows(lab, job_dir) == ["20_clean"]
