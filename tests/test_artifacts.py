"""The package as a user gets it: the source distribution and the wheel, built once the standard
way (`python -m build`), each installed into a fresh virtual environment that already has plain
JupyterLab, with no Node.js on PATH. There JupyterLab lists the extension and the server
extension enabled and OK, shows the VDK menu in Chromium without an error in the browser console,
lists the VDK kernel, and `vdk run` runs the example job.

One environment per artifact, shared by its checks. Making one is most of the cost, so both are
made at once, in the background, while the checks of the first run. Marked `artifacts`:
`pytest -m "not artifacts"` leaves it out.
"""
from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile

import pytest

from browser.browser_lab import CHROMIUM
from browser.browser_lab import JupyterLab
from browser.browser_lab import launch_chromium
from without_node import path_without_node

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"

pytestmark = [
    pytest.mark.artifacts,
    pytest.mark.skipif(
        importlib.util.find_spec("jupyterlab.labapp") is None or not os.path.exists(CHROMIUM),
        reason="needs JupyterLab's set-up (the jupyter extra) and Chromium, as the browser tests"),
]


def _run(command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} exited {result.returncode}:\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def _pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return dict(env, PIP_CONSTRAINT=str(CONSTRAINTS), PIP_DISABLE_PIP_VERSION_CHECK="1")


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> dict[str, pathlib.Path]:
    """sdist and wheel, as `python -m build` makes them (the wheel from the sdist), checked by twine."""
    started = time.monotonic()
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", dist, ROOT], env=_pip_env(), timeout=600)
    (sdist,) = dist.glob("vdk_jupyter-*.tar.gz")
    (wheel,) = dist.glob("vdk_jupyter-*.whl")
    checked = _run([sys.executable, "-m", "twine", "check", "--strict", sdist, wheel])
    assert checked.stdout.count("PASSED") == 2, checked.stdout
    print(f"\nbuilt and checked the sdist and the wheel in {time.monotonic() - started:.1f} s")
    return {"sdist": sdist, "wheel": wheel}


def test_both_artifacts_carry_the_built_front_end_and_the_jupyter_files(artifacts):
    with tarfile.open(artifacts["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert "src/vdk/plugin/notebook/labextension/package.json" in names
    assert any(n.startswith("src/vdk/plugin/notebook/labextension/static/remoteEntry.") for n in names)
    assert {"build_backend.py", "MANIFEST.in", "setup.py", "jupyterlab/src/index.ts"} <= names
    assert not any("node_modules" in n for n in names)
    with zipfile.ZipFile(artifacts["wheel"]) as wheel:
        data = {n.split(".data/data/", 1)[1] for n in wheel.namelist() if ".data/data/" in n}
    assert {"share/jupyter/labextensions/vdk-jupyter/package.json",
            "share/jupyter/labextensions/vdk-jupyter/install.json",
            "share/jupyter/kernels/vdk/kernel.json",
            "etc/jupyter/jupyter_server_config.d/vdk_jupyter.json"} <= data
    assert any(n.startswith("share/jupyter/labextensions/vdk-jupyter/static/remoteEntry.") for n in data)


class UserEnvironment:
    """A fresh venv with plain JupyterLab, then the artifact with its jupyter extra, as a user
    installs it; commands run with no Node.js on PATH."""

    def __init__(self, folder: pathlib.Path, artifact: pathlib.Path):
        self.folder = folder
        self.venv = folder / "venv"
        self.bin = self.venv / "bin"
        self.path = os.pathsep.join([str(self.bin), path_without_node(folder / "path")])
        started = time.monotonic()
        _run([sys.executable, "-m", "venv", self.venv], timeout=120)
        env = dict(_pip_env(), PATH=self.path)
        # --no-compile: pip's byte-compiling of JupyterLab's thousands of files is CPU the test
        # does not need (Python compiles what it imports).
        pip = [self.bin / "python", "-m", "pip", "install", "--quiet", "--no-compile"]
        _run(pip + ["jupyterlab>=4,<5"], env=env, timeout=900)
        _run(pip + [f"vdk-jupyter[jupyter] @ {artifact.as_uri()}"], env=env, timeout=900)
        print(f"\n{artifact.name}: fresh venv with JupyterLab and the artifact in {time.monotonic() - started:.1f} s")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("VIRTUAL_ENV", "PYTHONPATH") and not k.startswith(("VDK_", "JUPYTER"))}
        env.update(PATH=self.path, HOME=str(self.folder / "home"), **extra)
        return env

    def run(self, *command: str, **extra: str) -> subprocess.CompletedProcess:
        return _run(command, env=self.env(**extra), cwd=self.folder, timeout=300)


@pytest.fixture(scope="module")
def environments(artifacts, tmp_path_factory):
    """Both users' environments, made in the background (two threads, each mostly pip)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        yield {kind: pool.submit(UserEnvironment, tmp_path_factory.mktemp(f"user-{kind}"), artifact)
               for kind, artifact in artifacts.items()}


@pytest.fixture(scope="module", params=["wheel", "sdist"])
def user(request, environments) -> UserEnvironment:
    return environments[request.param].result()


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_there_is_no_node_on_the_users_path(user):
    assert shutil.which("node", path=user.path) is None and shutil.which("npm", path=user.path) is None


def test_jupyter_lists_both_extensions_enabled_and_ok(user):
    labextensions = user.run("jupyter", "labextension", "list")
    listing = _plain(labextensions.stdout + labextensions.stderr)
    assert re.search(r"vdk-jupyter v0\.1\.0 enabled\s+OK", listing), listing
    server = user.run("jupyter", "server", "extension", "list")
    listing = _plain(server.stdout + server.stderr)
    assert "vdk.plugin.notebook.server enabled" in listing, listing
    assert re.search(r"vdk\.plugin\.notebook\.server\s+OK", listing), listing


def test_the_vdk_kernel_is_listed(user):
    kernels = json.loads(user.run("jupyter", "kernelspec", "list", "--json").stdout)["kernelspecs"]
    assert kernels["vdk"]["spec"]["display_name"] == "VDK (Python 3)"
    assert pathlib.Path(kernels["vdk"]["resource_dir"]).is_relative_to(user.venv)


def test_vdk_run_runs_the_example_job(user, tmp_path):
    job = shutil.copytree(ROOT / "examples/orders-job", tmp_path / "orders-job")
    database = tmp_path / "example.sqlite"
    ran = user.run(
        "vdk", "run", str(job), VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(database),
        VDK_INGEST_METHOD_DEFAULT="sqlite", VDK_TEMPORARY_WRITE_DIRECTORY=str(tmp_path / "temp"))
    assert "20_daily_revenue.ipynb - SUCCESS" in ran.stdout + ran.stderr
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT day, orders FROM daily_revenue ORDER BY day").fetchall()
    assert rows == [("2026-11-23", 2), ("2026-11-24", 3), ("2026-11-25", 1)]


class UsersJupyterLab(JupyterLab):
    """The browser tests' JupyterLab, started from the user's venv with its PATH."""

    def __init__(self, base: pathlib.Path, user: UserEnvironment):
        super().__init__(base)
        self.user = user

    def command(self) -> list[str]:
        command = super().command()
        command[0] = str(self.user.bin / "python")
        return command

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)
        return dict(env, PATH=self.user.path)


def test_jupyterlab_shows_the_vdk_menu_without_console_errors(user, tmp_path):
    from playwright.sync_api import sync_playwright

    lab = UsersJupyterLab(tmp_path, user).start()
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{lab.url}lab?reset&token={lab.token}")
            menu = page.locator(".lm-MenuBar-itemLabel", has_text="VDK")
            menu.wait_for(timeout=60_000)
            menu.click()
            page.locator(".lm-Menu-itemLabel", has_text="Create data job").wait_for(timeout=10_000)
            browser.close()
    finally:
        lab.stop()
    assert errors == []
    assert "vdk.plugin.notebook.server" in lab.log.read_text(errors="replace")
