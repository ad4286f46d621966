"""What a newcomer meets first (issue 20): the VDK toolbar kept in view in a notebook narrowed by
both side bars, an error at the cell that shows the user's own code and the database's message,
readable in the light and the dark theme, one name for a cell everywhere, one notification per
job, and the long database notice readable in full."""
from __future__ import annotations

import re

import notebooks
from .browser_lab import screenshot
from .test_markers import expect_markers, open_notebook
from .test_run import status, wait_for_phase

# The WCAG AA contrast for normal text: what a reader needs, in either theme.
MIN_CONTRAST = 4.5

CONTRAST_JS = """
(selectors) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  // Any CSS colour (rgb(), color(srgb ...) from color-mix) to [r, g, b, a] through the canvas.
  const rgba = text => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = text;
    ctx.fillRect(0, 0, 1, 1);
    return Array.from(ctx.getImageData(0, 0, 1, 1).data);
  };
  const background = node => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) {
        return c;
      }
    }
    return [255, 255, 255, 255];
  };
  const luminance = c => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const result = {};
  for (const selector of selectors) {
    const node = document.querySelector(selector);
    if (!node) {
      result[selector] = null;
      continue;
    }
    // A translucent text colour (the dark theme's greys) as it shows on its background.
    const bg = background(node);
    const fg = rgba(getComputedStyle(node).color);
    const alpha = fg[3] / 255;
    const shown = fg.slice(0, 3).map((v, i) => v * alpha + bg[i] * (1 - alpha));
    const a = luminance(shown);
    const b = luminance(bg);
    result[selector] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  return result;
}
"""

CHECKED = [
    ".vdk-cell-error-head",
    ".vdk-cell-error-detail",
    ".vdk-marker .vdk-marker-name",
    ".vdk-marker-left-out .vdk-marker-kind",
    ".vdk-run-status",
]


def toast(page, text):
    """The notification toasts with `text` (their message and buttons)."""
    return page.locator(".Toastify__toast", has=page.locator(".jp-toast-message", has_text=text))


def contrast(page) -> dict:
    return page.evaluate(CONTRAST_JS, CHECKED)


def set_theme(page, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click()
    light = "false" if "Dark" in name else "true"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")


def sql_job(job_dir):
    """A job whose notebook calls its own module, which sends a query to a table not there."""
    (job_dir / "10_create.sql").write_text("CREATE TABLE IF NOT EXISTS sales (amount REAL)")
    (job_dir / "helpers.py").write_text(
        "def load(job_input):\n    job_input.execute_query('INSERT INTO orders VALUES (1)')\n")
    notebooks.write(job_dir / "20_load.ipynb", [
        notebooks.code("import helpers", cell_id="imports"),
        notebooks.code("%%non-vdk\nhelpers.explore()", cell_id="explore"),
        notebooks.code("day = '2026-11-25'", tags=["parameters"], cell_id="params"),
        notebooks.code("print(day)\nhelpers.load(job_input)", cell_id="load"),
    ])


def open_both_sidebars(page) -> None:
    """The file browser on the left (open by default) and the jobs panel on the right."""
    page.locator(".lm-MenuBar-itemLabel", has_text="VDK").click()
    page.locator(".lm-Menu-item", has_text="Show data jobs").click()
    page.locator("#vdk-jobs-panel").wait_for()
    page.locator(".jp-FileBrowser").wait_for()


def assert_in_toolbar(panel, selector: str) -> None:
    """Shown in the notebook's toolbar itself, not moved into its "more" (⋯) menu."""
    toolbar = panel.locator(".jp-NotebookPanel-toolbar").first
    item = toolbar.locator(f":scope > .jp-Toolbar-item {selector}")
    assert item.count() == 1 and item.is_visible(), f"{selector} is not in the toolbar"
    box, bar = item.bounding_box(), toolbar.bounding_box()
    assert box["x"] + box["width"] <= bar["x"] + bar["width"] + 1, f"{selector} overflows"


def test_a_failed_sql_call_in_a_narrow_notebook_in_both_themes(page, lab, job_dir):
    page.set_viewport_size({"width": 1440, "height": 900})
    sql_job(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_load.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 parameters", "cell 4"])
    # The database notice is longer than JupyterLab shows in a notification: Details has it all.
    notice = toast(page, "No database is configured")
    notice.get_by_role("button", name="Details").click()
    dialog = page.locator(".jp-Dialog")
    assert "Set db_default_type in the job's config.ini" in dialog.inner_text()
    dialog.get_by_role("button", name="OK").click()
    open_both_sidebars(page)
    jobs = page.locator("#vdk-jobs-panel")
    # No Control Service in this lab: the panel says how to set one without a terminal.
    jobs.locator(".vdk-jobs-help", has_text="!vdk set-default -u").wait_for()
    assert "no restart is needed" in jobs.locator(".vdk-jobs-help").inner_text()

    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "failed")
    for selector in [".vdk-run-button", ".vdk-run-status", ".vdk-repair-button", ".vdk-report-button",
                     ".vdk-deploy-button"]:
        assert_in_toolbar(panel, selector)
    assert status(panel).inner_text() == "Failed: code cell 4"
    assert status(panel).evaluate("n => n.scrollWidth <= n.clientWidth"), "the status is cut"
    screenshot(page, "toolbar-narrow")

    box = panel.locator(".jp-CodeCell").nth(3).locator(".vdk-cell-error")
    box.wait_for()
    head = box.locator(".vdk-cell-error-head").inner_text()
    assert "vdk run failed here (code cell 4, line 2): OperationalError: no such table: orders" in head
    detail = box.locator(":scope > .vdk-cell-error-detail").inner_text()
    # The user's frames (the cell, the job's module) and the database's message; no vdk-core.
    assert '20_load.ipynb [code cell 4]", line 2' in detail and 'helpers.py", line 2, in load' in detail
    assert "frames of installed libraries hidden" in detail
    assert "sqlite3.OperationalError: no such table: orders" in detail
    assert "vdk/internal" not in detail
    # Every frame is one click away, collapsed.
    full = box.locator(".vdk-cell-error-full")
    assert full.get_attribute("open") is None and not full.locator("pre").is_visible()
    full.locator("summary").click()
    assert "vdk/internal" in full.locator("pre").inner_text()
    full.locator("summary").click()

    ratios = contrast(page)
    assert all(r and r >= MIN_CONTRAST for r in ratios.values()), ("light", ratios)
    set_theme(page, "JupyterLab Dark")
    try:
        ratios = contrast(page)
        assert all(r and r >= MIN_CONTRAST for r in ratios.values()), ("dark", ratios)
        screenshot(page, "failed-cell-dark")
    finally:
        set_theme(page, "JupyterLab Light")

    # Fixed on disk and run again: the job's one notification now says it succeeded.
    (job_dir / "helpers.py").write_text(
        "def load(job_input):\n    job_input.execute_query('INSERT INTO sales VALUES (1)')\n")
    panel.locator(".vdk-run-button").click()
    wait_for_phase(page, "succeeded")
    toasts = toast(page, re.compile(f"Data job '{job_dir.name}' (failed|succeeded)"))
    toasts.first.wait_for()
    assert toasts.count() == 1 and "succeeded" in toasts.first.inner_text()
    assert panel.locator(".vdk-cell-error").count() == 0


def test_cells_left_out_by_a_marker_line_and_the_parameters_cell(page, lab, job_dir):
    sql_job(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_load.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 parameters", "cell 4"])
    marker = panel.locator(".jp-CodeCell").nth(2).locator(".vdk-marker")
    assert "job arguments are injected after it" in marker.get_attribute("title")
    # A cell left out by its `%%non-vdk` line: no "Leave out"; Include removes the line.
    explore = panel.locator(".jp-CodeCell").nth(1)
    explore.locator(".jp-InputPrompt").click(position={"x": 4, "y": 4})
    explore.locator(".jp-InputPrompt").click(button="right", position={"x": 4, "y": 4})
    menu = page.locator(".lm-Menu").last
    labels = menu.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel").all_inner_texts()
    assert "Leave cell out of the job" not in labels, labels
    menu.get_by_role("menuitem", name="Include cell in the job (removes its non-vdk first line)").click()
    expect_markers(page, panel, ["cell 1", "cell 2", "cell 3 parameters", "cell 4"])
    assert explore.locator(".cm-content").inner_text().strip() == "helpers.explore()"
    # The parameters cell can be unmarked.
    params = panel.locator(".jp-CodeCell").nth(2).locator(".jp-InputPrompt")
    params.click(position={"x": 4, "y": 4})
    params.click(button="right", position={"x": 4, "y": 4})
    page.get_by_role("menuitem", name="Unmark parameters cell").click()
    expect_markers(page, panel, ["cell 1", "cell 2", "cell 3", "cell 4"])
