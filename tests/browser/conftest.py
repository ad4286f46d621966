"""Fixtures of the browser tests: one JupyterLab and one Chromium for the session, a fresh page
and a fresh job folder (under the server root) for each test."""
from __future__ import annotations

import os
import pathlib
import re

import pytest

from .browser_lab import JupyterLab, launch_chromium, missing_prerequisite, set_default_url


def pytest_collection_modifyitems(config, items):
    reason = missing_prerequisite()
    if reason is None:
        return
    mine = [i for i in items if pathlib.Path(str(i.fspath)).parent == pathlib.Path(__file__).parent]
    if mine and os.environ.get("CI") == "true" and "JupyterLab is not installed" not in reason:
        # CI installs Chromium and builds the extension (.ci/run, setup.sh): a skip there would
        # hide a broken set-up. (The lane without the jupyter extra skips: no JupyterLab.)
        raise pytest.UsageError(f"the browser tests cannot run in CI: {reason}")
    for item in mine:
        item.add_marker(pytest.mark.skip(reason=f"browser test skipped: {reason}"))


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    server = JupyterLab(tmp_path_factory.mktemp("lab")).start()
    yield server
    server.stop()


# Package scope: Playwright's sync API keeps an asyncio loop current in this thread while it is
# open, which tests of top-level `await` in cells (tests/test_cell_rules.py) must not find.
@pytest.fixture(scope="package")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.browser_test_failed = report.failed


@pytest.fixture
def page(browser, lab, request):
    context = browser.new_context(viewport={"width": 1440, "height": 860})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    yield page
    if getattr(request.node, "browser_test_failed", False):
        # What the user saw, the page's console and the server's log: enough to see why.
        shot = request.config.rootpath / ".work" / "browser-failures" / f"{request.node.name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        print("browser console:\n" + "\n".join(console[-40:]))
        print("server log (end):\n" + lab.log.read_text(errors="replace")[-4000:])
    context.close()


@pytest.fixture
def job_dir(lab, request) -> pathlib.Path:
    """An empty data job folder (config.ini) under the server root, named after the test."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    folder = lab.root / name
    folder.mkdir()
    (folder / "config.ini").write_text(f"[owner]\nteam = browser-tests\n\n[job]\nname = {name}\n")
    return folder


# The test Control Service of a module's deploy tests (test_deploy.py, test_executions.py), set as
# the lab's default with `vdk set-default -u` while the module runs.
@pytest.fixture(scope="module")
def cloud_service(lab, cloud_runtime, tmp_path_factory):
    from control_service import ControlServiceStandIn

    cloud_runtime.database = tmp_path_factory.mktemp("cloud") / "warehouse.sqlite"
    with ControlServiceStandIn(cloud_runtime.run) as service:
        service.cloud_database = cloud_runtime.database
        set_default_url(lab, service.url)
        yield service
        set_default_url(lab, None)


@pytest.fixture
def service(cloud_service):
    """The module's Control Service with a clean record; nothing strays from the API document."""
    cloud_service.requests.clear()
    cloud_service.uploads.clear()
    cloud_service.token = cloud_service.fail_with = None
    cloud_service.delay = 0.0
    yield cloud_service
    cloud_service.token = cloud_service.fail_with = None
    cloud_service.delay = 0.0
    assert cloud_service.violations == [], "requests or answers that stray from the API document"
