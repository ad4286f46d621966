"""Is this folder a data job: the one rule, for `vdk start-jupyter`, the Jupyter server, deploy
and `vdk run`'s own reading of config.ini.

A data job folder is a folder holding a `config.ini` file: what `vdk create`, `vdk start-jupyter
--new`, JupyterLab's `Create data job` (template.py) and `vdk deploy` all mean by a job. Its
steps are its top-level files (notebooks.py): a notebook in a sub-folder of a job is not one.
"""
from __future__ import annotations

import pathlib
from typing import Optional

CONFIG_FILE = "config.ini"


def is_job_folder(folder: pathlib.Path) -> bool:
    """`folder` holds a config.ini file."""
    return (folder / CONFIG_FILE).is_file()


def job_folder_of(path: pathlib.Path) -> Optional[pathlib.Path]:
    """The job folder `path` names: the folder itself, or the folder of a file in it (a
    notebook, config.ini); None when that folder is not a data job folder."""
    folder = path if path.is_dir() else path.parent
    return folder if is_job_folder(folder) else None


def job_of_notebook(notebook: pathlib.Path, within: pathlib.Path) -> tuple[Optional[pathlib.Path], Optional[str]]:
    """The job folder `notebook` is a step of, or None and why not, in words for the user.
    `within`: the folder above which no job is looked for (the Jupyter server's root)."""
    folder = notebook.parent
    if is_job_folder(folder):
        if notebook.name.startswith("."):
            return None, (f"{notebook.name} is a hidden file: vdk run does not run it as a step "
                          f"of data job '{folder.name}'.")
        return folder, None
    for ancestor in folder.parents:
        if ancestor != within and within not in ancestor.parents:
            break
        if is_job_folder(ancestor):
            return None, (f"The notebook is in a sub-folder of data job '{ancestor.name}': vdk run "
                          "runs only the notebooks at the top level of the job folder.")
    return None, f"The notebook is not in a data job folder (a folder with a {CONFIG_FILE})."
