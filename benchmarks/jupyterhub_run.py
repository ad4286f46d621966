"""Benchmark: Run data job through a JupyterHub against a bare JupyterLab (issue 23).

    .venv/bin/python benchmarks/jupyterhub_run.py [--runs 7]

From the click on `Run data job` to the result shown in the notebook's toolbar (the page's own
clock, as in jupyterlab_ui.py), for the same job in two pages of one Chromium: one on a bare
`jupyter lab` (the baseline), one on the same JupyterLab as a single-user server of a real
JupyterHub, behind its proxy under /user/<name>/ (logged in through the hub's login page).
Runs are interleaved; target: the hub within 0.2 s of the bare server. Both servers run on
127.0.0.1 in a temporary folder and are stopped at the end.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
# In place of this folder, whose jupyter_server.py would hide the jupyter_server package.
sys.path[0:1] = [str(HERE.parent / "tests")]
sys.path.append(str(HERE))  # last: for jupyterlab_ui, after the real jupyter_server

from browser.browser_lab import JupyterLab, launch_chromium, missing_prerequisite  # noqa: E402
from browser import jupyterhub_process  # noqa: E402
from jupyterlab_ui import RUN_AND_WAIT, write_job  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    reason = missing_prerequisite() or jupyterhub_process.missing_prerequisite()
    if reason:
        sys.exit(f"jupyterhub_run.py: cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        base = pathlib.Path(folder)
        (base / "lab").mkdir()
        (base / "hub").mkdir()
        lab = JupyterLab(base / "lab").start()
        hub = jupyterhub_process.JupyterHub(base / "hub", ["bench"])
        try:
            hub.start()
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                try:
                    measure(lab, hub, browser, args.runs)
                finally:
                    browser.close()
        finally:
            hub.stop()
            lab.stop()


def open_page(browser, url: str):
    page = browser.new_context(viewport={"width": 1440, "height": 860}).new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    return page


def measure(lab: JupyterLab, hub, browser, runs: int) -> None:
    write_job(lab.root / "bench-job")
    bare = open_page(browser, lab.lab_url("bench-job/20_load.ipynb"))

    behind = open_page(browser, hub.url + "hub/login")
    behind.fill("#username_input", "bench")
    behind.fill("#password_input", jupyterhub_process.PASSWORD)
    behind.click("#login_submit")
    behind.wait_for_url("**/user/bench/lab**")
    write_job(hub.home("bench") / "bench-job")
    behind.goto(f"{hub.url}user/bench/lab/tree/bench-job/20_load.ipynb?reset")

    for page in (bare, behind):
        page.locator(".jp-NotebookPanel .vdk-marker").first.wait_for()
        page.locator(".jp-NotebookPanel .jp-CodeCell").last.locator(".jp-InputPrompt").click()

    def run(page) -> float:
        milliseconds, phase = page.evaluate(RUN_AND_WAIT)
        assert phase == "succeeded", page.locator(".vdk-run-status").inner_text()
        return milliseconds / 1000

    run(bare), run(behind)  # warm up both
    timings: dict = {"bare": [], "hub": []}
    for i in range(runs):
        pair = [("bare", bare), ("hub", behind)]
        for name, page in (pair if i % 2 == 0 else reversed(pair)):
            timings[name].append(run(page))
    a, b = statistics.median(timings["bare"]), statistics.median(timings["hub"])
    print(f"Run data job, click -> result shown, {runs} interleaved runs each: bare JupyterLab "
          f"median {a:.3f} s (min {min(timings['bare']):.3f}); through JupyterHub median {b:.3f} s "
          f"(min {min(timings['hub']):.3f}); difference {b - a:+.3f} s, ratio {b / a:.2f} "
          f"(target: within 0.2 s)")


if __name__ == "__main__":
    main()
