"""Which notebooks of a job folder are steps of `vdk run`: the one rule that `vdk run`, deploy
and the Jupyter server share."""
from __future__ import annotations

import os
import pathlib


def find_notebooks(job_dir: pathlib.Path) -> list[pathlib.Path]:
    """Top-level, non-hidden *.ipynb files: the ones that are steps (see notebook_files)."""
    if not any(name.lower().endswith(".ipynb") for name in os.listdir(job_dir)):
        return []  # the common case, answered without importing the engine
    from vdk.plugin.notebook.engine.notebook_files import find_notebook_files

    return find_notebook_files(job_dir)
