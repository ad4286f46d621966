"""The build backend: setuptools' own, asking for JupyterLab only when the front end must be built.

setup.py builds the JupyterLab extension (jupyterlab/) when it is not built yet, and that needs
JupyterLab's core package list (its `staging` folder) besides Node.js. A source distribution
carries the built extension, so building from one (what `pip install vdk-jupyter` does) needs
neither: asking for JupyterLab there would install dozens of packages into every isolated build
for nothing. Without Node.js it is not asked for either: setup.py then stops with one line saying
what to install, before anything is downloaded.
"""
from __future__ import annotations

import pathlib
import shutil

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (
    build_editable,
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable", "build_sdist", "build_wheel", "get_requires_for_build_editable",
    "get_requires_for_build_sdist", "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable", "prepare_metadata_for_build_wheel",
]

BUILT = pathlib.Path(__file__).resolve().parent / "src/vdk/plugin/notebook/labextension/package.json"
# The JupyterLab whose core packages the extension is built against (as the extension template's
# build requirements name it).
JUPYTERLAB = "jupyterlab>=4,<5"


def _front_end_requirements() -> list[str]:
    if BUILT.is_file() or shutil.which("npm") is None:
        return []
    return [JUPYTERLAB]


def get_requires_for_build_wheel(config_settings=None):
    return _setuptools.get_requires_for_build_wheel(config_settings) + _front_end_requirements()


def get_requires_for_build_sdist(config_settings=None):
    return _setuptools.get_requires_for_build_sdist(config_settings) + _front_end_requirements()
