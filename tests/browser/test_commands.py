"""The commands where a user looks for them: the VDK menu, the cell toolbar, the command
palette, the file browser's context menu (Create data job)."""
from __future__ import annotations

import json

import notebooks
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .browser_lab import screenshot
from .test_markers import expect_markers, open_notebook, transform_notebook


def test_vdk_menu_runs_the_job(page, lab, job_dir):
    notebooks.write(job_dir / "20_x.ipynb", [notebooks.code("print('hello')")])
    panel = open_notebook(page, lab, f"{job_dir.name}/20_x.ipynb")
    page.locator(".lm-MenuBar-itemLabel", has_text="VDK").click()
    menu = page.locator(".lm-Menu").last
    labels = menu.locator(".lm-Menu-itemLabel").all_inner_texts()
    for label in ["Run data job", "Stop data job", "Open run report", "Show run log",
                  "Mark cell as parameters", "Create data job"]:
        assert label in labels, labels
    screenshot(page, "vdk-menu")
    menu.locator(".lm-Menu-item", has_text="Run data job").click()
    page.wait_for_selector(".vdk-run-status[data-phase='succeeded']", timeout=120_000)
    assert panel.locator(".vdk-run-status").inner_text().startswith("Succeeded, ")


def test_cell_toolbar_leaves_a_cell_out_and_includes_it_again(page, lab, job_dir):
    transform_notebook(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 SQL", "cell 4"])
    last = panel.locator(".jp-CodeCell").nth(3)
    last.locator(".jp-InputPrompt").click(position={"x": 4, "y": 4})
    last.locator(".jp-cell-toolbar [data-command='vdk:leave-cell-out']").click()
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 SQL", "cell 4 left out"])
    screenshot(page, "cell-toolbar")
    last.locator(".jp-cell-toolbar [data-command='vdk:include-cell']").click()
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 SQL", "cell 4"])


def test_palette_marks_the_parameters_cell(page, lab, job_dir):
    transform_notebook(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 SQL", "cell 4"])
    # The new kernel's first replies take the focus back to the notebook: let them come first.
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").wait_for(timeout=60_000)
    panel.locator(".jp-CodeCell").nth(0).locator(".jp-InputPrompt").click(position={"x": 4, "y": 4})
    open_command_palette(page).fill("Mark cell as parameters")
    page.keyboard.press("Enter")
    panel.locator(".jp-CodeCell").nth(0).locator(".vdk-marker.vdk-marker-parameters").wait_for()
    # A standard tag, saved in the notebook: it works without this extension too.
    panel.locator("[data-command='docmanager:save']").click()
    saved_file = job_dir / "20_transform.ipynb"
    saved: dict = {}
    for _ in range(300):  # the save is asynchronous: wait up to 30 s for the file to change
        try:
            saved = json.loads(saved_file.read_text())
        except json.JSONDecodeError:
            pass  # caught mid-write: Jupyter's atomic writing rewrites the file in place
        else:
            if saved["cells"][1]["metadata"].get("tags"):
                break
        page.wait_for_timeout(100)
    assert saved["cells"][1]["metadata"]["tags"] == ["parameters"]


def open_command_palette(page):
    """View > Activate Command Palette; its search field. The palette closes when it loses the
    focus, which the notebook can take back while its new kernel connects (seen in CI): then it
    is opened again, as a user would, three times at most."""
    field = page.locator(".lm-CommandPalette-input")
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
        page.locator(".lm-Menu-item", has_text="Activate Command Palette").click()
        try:
            field.wait_for(state="visible", timeout=5_000)
        except PlaywrightTimeoutError:
            continue
        return field
    raise AssertionError("View > Activate Command Palette did not show the palette (3 tries)")


def test_create_data_job_from_the_file_browser(page, lab, job_dir):
    parent = job_dir.name  # any folder; created inside it
    page.goto(lab.lab_url(parent))
    page.locator(".jp-DirListing-content").click(button="right", position={"x": 100, "y": 200})
    page.get_by_role("menuitem", name="Create data job").click()
    dialog = page.locator(".jp-Dialog")
    name = dialog.locator("input[name='name']")
    # The one rule (6-45 characters, a letter first) is checked as the name is typed.
    name.fill("sales")
    assert "6 to 45 characters" in dialog.locator(".vdk-form-problem").first.inner_text()
    name.fill("daily-sales")
    assert dialog.locator(".vdk-form-problem").first.inner_text() == ""
    dialog.locator("input[name='team']").fill("finance-team")
    screenshot(page, "create-job")
    dialog.get_by_role("button", name="Create").click()
    page.locator(".jp-NotebookPanel .vdk-marker").first.wait_for()
    created = job_dir / "daily-sales"
    made = sorted(p.name for p in created.iterdir() if not p.name.startswith("."))
    assert made == ["10_notebook.ipynb", "config.ini", "requirements.txt"]
    assert "team = finance-team\n" in (created / "config.ini").read_text()
    tab = page.locator(".lm-TabBar-tab.lm-mod-current", has_text="10_notebook.ipynb")
    assert tab.is_visible()
    # Opened and never edited: not "changed" (so Deploy does not ask to save it).
    page.wait_for_function(
        "() => !document.querySelector('.lm-TabBar-tab.lm-mod-current').classList.contains('jp-mod-dirty')")
    # The team is offered for the next job.
    page.locator(".jp-DirListing-content").click(button="right", position={"x": 100, "y": 300})
    page.get_by_role("menuitem", name="Create data job").click()
    assert dialog.locator("input[name='team']").input_value() == "finance-team"
    dialog.get_by_role("button", name="Cancel").click()


def test_the_embedded_sqlite_notice_is_shown_once(page, lab, job_dir):
    notebooks.write(job_dir / "20_x.ipynb", [notebooks.code("x = 1")])
    notebooks.write(job_dir / "30_y.ipynb", [notebooks.code("y = 1")])
    open_notebook(page, lab, f"{job_dir.name}/20_x.ipynb")
    notice = page.locator(".jp-toast-message", has_text="No database is configured")
    notice.first.wait_for()
    screenshot(page, "sqlite-notice")
    assert job_dir.name in notice.first.inner_text()
    # Another notebook of the same job, after a reload: not again.
    page.goto(lab.lab_url(f"{job_dir.name}/30_y.ipynb"))
    page.locator(".jp-NotebookPanel .vdk-marker").first.wait_for()
    page.wait_for_timeout(1000)
    assert notice.count() == 0
