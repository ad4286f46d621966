"""Run data job from JupyterLab against a real PostgreSQL server (tests/postgres_server.py): the
rows land there, the result says which database, a refused password is one line saying so, and a
failing statement shows PostgreSQL's message at its cell."""
from __future__ import annotations

import decimal

import notebooks
from .browser_lab import screenshot
from .test_markers import open_notebook
from .test_run import status
from .test_run import wait_for_phase


def test_run_data_job_against_postgresql_a_refused_password_and_failing_sql(page, lab, job_dir, postgres):
    (job_dir / "config.ini").write_text(postgres.config_ini())
    notebooks.write(job_dir / "20_load.ipynb", [
        notebooks.code("%%vdksql\nCREATE TABLE totals (day TEXT, amount NUMERIC(8, 2))", cell_id="create"),
        notebooks.code("job_input.execute_query(\"INSERT INTO totals VALUES ('2026-11-24', 5.50)\")",
                       cell_id="insert"),
    ])
    panel = open_notebook(page, lab, f"{job_dir.name}/20_load.ipynb")
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "succeeded")
    page.locator(".jp-toast-message", has_text=f"database: PostgreSQL at {postgres.address}").first.wait_for()
    screenshot(page, "run-postgresql")
    assert postgres.rows("SELECT day, amount FROM totals") == [("2026-11-24", decimal.Decimal("5.50"))]

    (job_dir / "config.ini").write_text(postgres.config_ini(password="not-the-password"))
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    toast = page.locator(".jp-toast-message", has_text="failed before its first step").first
    toast.wait_for()
    # The notification is cut short; the status's tooltip has the whole line.
    assert "Cannot connect to the job's database, PostgreSQL at" in toast.inner_text()
    title = status(panel).get_attribute("title") or ""
    assert f"PostgreSQL at {postgres.address}: password authentication failed" in title, title
    assert "postgres_password" in title and "not-the-password" not in title + toast.inner_text()

    # A failing statement: PostgreSQL's own message at the cell; the tooltip names the database.
    (job_dir / "config.ini").write_text(postgres.config_ini())
    (job_dir / "20_load.ipynb").unlink()
    notebooks.write(job_dir / "20_bad.ipynb", [
        notebooks.code("job_input.execute_query('SELECT amount FROM no_such_table')", cell_id="bad"),
    ])
    panel = open_notebook(page, lab, f"{job_dir.name}/20_bad.ipynb")
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    error = panel.locator(".jp-CodeCell").nth(0).locator(".vdk-cell-error")
    error.wait_for()
    assert 'relation "no_such_table" does not exist' in error.inner_text()
    title = status(panel).get_attribute("title") or ""
    assert f"Database: PostgreSQL at {postgres.address}\n" in title + "\n", title
