"""Building from a clone whose JupyterLab front end is not built, on a machine without Node.js:
the build stops with one line saying what to install, instead of making a wheel whose JupyterLab
has no VDK menu. (With Node.js it builds the front end: tests/test_artifacts.py builds from this
checkout, and a clean clone was checked by hand; too slow for every run, npm ci alone takes
minutes.)"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

from without_node import path_without_node

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_without_node_the_build_says_what_to_install(tmp_path):
    source = tmp_path / "clone"
    for name in ("src", "share", "etc", "scripts", "jupyterlab"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns(
            "*.egg-info", "__pycache__", "labextension", "node_modules", "lib"))
    for name in ("setup.py", "pyproject.toml", "build_backend.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name)
    assert not (source / "src/vdk/plugin/notebook/labextension").exists()
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
         "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PATH=path_without_node(tmp_path / "path"),
                 PIP_CONSTRAINT=str(ROOT / "constraints.txt")))
    assert built.returncode != 0
    said = [line.strip() for line in built.stdout.splitlines() + built.stderr.splitlines()
            if line.strip().startswith("setup.py:")]
    assert said == [
        "setup.py: building the JupyterLab extension needs Node.js 20 with npm "
        "(https://nodejs.org/); install it, or install vdk-jupyter from a wheel or a source "
        "distribution, which carry the built extension."], built.stdout + built.stderr
    assert not list(tmp_path.glob("dist/*.whl"))
