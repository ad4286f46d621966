"""A real JupyterLab for the browser tests, and Debian's Chromium driven by Playwright.

JupyterLab runs as a user would start it (`python -m jupyterlab`), on 127.0.0.1 with a token, a
temporary root, home and settings, with this environment's vdk-jupyter server extension and
prebuilt front end. Nothing reaches the network: JupyterLab's news and update checks are off and
Chromium's background networking is disabled.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import sys

from jupyter_server_process import JupyterServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
# Where the prebuilt extension must be for JupyterLab to load it (setup.sh links it there).
SCREENSHOTS = pathlib.Path(__file__).parents[2] / "docs" / "screenshots"
INSTALLED_EXTENSION = pathlib.Path(sys.prefix, "share/jupyter/labextensions/vdk-jupyter/package.json")


def missing_prerequisite() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    # jupyterlab.labapp, not jupyterlab: the front end's jupyterlab/ folder at the top of the
    # repository imports as an empty namespace package from there.
    if importlib.util.find_spec("jupyterlab") is None or importlib.util.find_spec("jupyterlab.labapp") is None:
        return "JupyterLab is not installed (the jupyter extra)"
    if not INSTALLED_EXTENSION.is_file():
        return (f"the JupyterLab extension is not built/installed ({INSTALLED_EXTENSION} is missing):"
                " run bash scripts/setup.sh")
    return None


class JupyterLab(JupyterServer):
    """The server of JupyterServer, started as JupyterLab (the same server with the lab UI)."""

    def command(self) -> list[str]:
        settings = self.home / "lab-settings"
        # No "official Jupyter news?" question and no update check (both would reach the network).
        notification = settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True, exist_ok=True)
        notification.write_text('{"fetchNews": "false", "checkForUpdates": false}')
        command = super().command()
        command[2] = "jupyterlab"  # python -m jupyterlab: the same server, with the lab UI
        return command + [
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.home / 'workspaces'}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]

    def environment(self) -> dict[str, str]:
        # vdk-control-cli's one retry, as the Control Service tests set it (a failing service
        # answers at once); its settings (`vdk set-default`, logins) live under the server's HOME.
        return dict(super().environment(), VDK_CONTROL_HTTP_TOTAL_RETRIES="1",
                    VDK_CONTROL_HTTP_CONNECT_RETRIES="0")

    def start(self, timeout: float = 90) -> "JupyterLab":
        super().start(timeout)
        return self

    def lab_url(self, path: str = "") -> str:
        """The page that opens `path`, in a fresh workspace (nothing left open by earlier tests)."""
        return f"{self.url}lab/tree/{path}?reset&token={self.token}"


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def screenshot(page, name: str, locator=None) -> pathlib.Path:
    """One screenshot per feature, for the README's "In JupyterLab" section: into docs/screenshots
    with UPDATE_SCREENSHOTS=1 (after a UI change), else into .work/screenshots, so that a test
    run leaves the committed pictures alone."""
    folder = (SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1"
              else SCREENSHOTS.parents[1] / ".work" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return path
