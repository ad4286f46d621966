"""What `vdk run` runs, on every cell: the markers, and marking cells with the commands."""
from __future__ import annotations

import notebooks
from .browser_lab import screenshot


def open_notebook(page, lab, path: str):
    page.goto(lab.lab_url(path))
    page.locator(".jp-NotebookPanel .vdk-marker").first.wait_for()
    return page.locator(".jp-NotebookPanel:visible")


def marker_texts(panel) -> list[str]:
    return [" ".join(t.split()) for t in panel.locator(".jp-Cell .vdk-marker").all_inner_texts()]


def expect_markers(page, panel, expected: list[str]) -> None:
    """The markers' text as a user reads it, its two lines joined by a space."""
    page.wait_for_function(
        """([selector, expected]) => {
            const texts = Array.from(document.querySelectorAll(selector))
                .map(n => n.innerText.split(/\\s+/).filter(Boolean).join(' '));
            return JSON.stringify(texts) === JSON.stringify(expected);
        }""",
        arg=[".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .vdk-marker", expected],
    )


def transform_notebook(job_dir):
    notebooks.write(job_dir / "20_transform.ipynb", [
        notebooks.markdown("# Daily totals"),
        notebooks.code("x = 1", cell_id="first"),
        notebooks.code("explore()", tags=["non-vdk"], cell_id="explore"),
        notebooks.code("%%vdksql\nCREATE TABLE t (a INT)", cell_id="create"),
        notebooks.code("print(x)", cell_id="show"),
    ])


def test_markers_show_run_order_and_left_out_cells(page, lab, job_dir):
    transform_notebook(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 SQL", "cell 4"])
    assert panel.locator(".jp-MarkdownCell .vdk-marker").count() == 0
    # The toolbar offers to run the job only for notebooks of a job.
    assert panel.locator(".vdk-run-button").is_visible()
    screenshot(page, "markers")


def test_leaving_a_cell_out_with_the_command_updates_the_markers(page, lab, job_dir):
    transform_notebook(job_dir)
    panel = open_notebook(page, lab, f"{job_dir.name}/20_transform.ipynb")
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 SQL", "cell 4"])
    first = panel.locator(".jp-CodeCell").nth(0)
    first.locator(".jp-InputPrompt").click(button="right", position={"x": 4, "y": 4})
    page.get_by_role("menuitem", name="Leave cell out of the job").click()
    expect_markers(page, panel, ["cell 1 left out", "cell 2 left out", "cell 3 SQL", "cell 4"])
    screenshot(page, "leave-cell-out")
    # And back in, from the same menu: the run order is as before.
    first.locator(".jp-InputPrompt").click(button="right", position={"x": 4, "y": 4})
    page.get_by_role("menuitem", name="Include cell in the job").click()
    expect_markers(page, panel, ["cell 1", "cell 2 left out", "cell 3 SQL", "cell 4"])


def test_a_notebook_outside_any_job_shows_no_markers(page, lab):
    folder = lab.root / "scratch"
    folder.mkdir(exist_ok=True)
    notebooks.write(folder / "explore.ipynb", [notebooks.code("x = 1")])
    page.goto(lab.lab_url("scratch/explore.ipynb"))
    panel = page.locator(".jp-NotebookPanel")
    panel.locator(".jp-CodeCell").first.wait_for()
    page.wait_for_function("() => document.querySelector('.jp-NotebookPanel')?.dataset.vdkPlanned")
    assert panel.locator(".vdk-marker").count() == 0
    assert not panel.locator(".vdk-run-button").is_visible()
