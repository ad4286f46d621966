"""A new data job folder: `config.ini`, `requirements.txt` and a first notebook, ready to run
and deploy. Made by `vdk start-jupyter --new` and by JupyterLab's `Create data job` alike."""
from __future__ import annotations

import configparser
import json
import pathlib
import re
from typing import Optional

# The one job-name rule, checked where a name is first typed (here, `vdk start-jupyter --new`,
# JupyterLab's Create data job) and before a deploy: what both vdk-control-cli (`vdk create`:
# 5-45 characters) and the Control Service (`^[a-z][a-z0-9-]{5,49}$`: 6-50) accept.
JOB_NAME_RULE = "6 to 45 characters: lowercase letters, digits and '-', starting with a letter"
JOB_NAME = re.compile(r"^[a-z][a-z0-9-]{5,44}\Z")
# A team as config.ini holds it: one line, no ini syntax (`;`, `#`, `[`, `=`) to break the file.
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}\Z")
PLACEHOLDER_TEAM = "my-team"


class InvalidJobName(ValueError):
    pass


def check_job_name(name: object) -> None:
    if not isinstance(name, str) or not JOB_NAME.match(name):
        raise InvalidJobName(
            f"{name!r} is not a valid data job name: {JOB_NAME_RULE} (for example: daily-sales). "
            "The Control Service accepts no other."
        )


def check_team(team: object) -> str:
    """The team, stripped; InvalidJobName saying what a team may be otherwise."""
    text = team.strip() if isinstance(team, str) else ""
    if not _TEAM.match(text):
        raise InvalidJobName(
            f"{team!r} is not a valid team: letters, digits, spaces, '.', '_' and '-', starting "
            "with a letter or digit, at most 100 characters (for example: data-team)."
        )
    return text


def create_job(parent: pathlib.Path, name: str, team: str = PLACEHOLDER_TEAM) -> pathlib.Path:
    """A new data job folder `parent/name` with a first notebook, ready to run and deploy.
    Also what JupyterLab's `Create data job` makes (jupyter/server)."""
    check_job_name(name)
    team = check_team(team)
    folder = parent / name
    if folder.exists() or folder.is_symlink():
        raise FileExistsError(f"{folder} already exists.")
    folder.mkdir(parents=True)  # FileExistsError if made meanwhile
    (folder / "config.ini").write_text(
        _CONFIG_INI.replace(f"team = {PLACEHOLDER_TEAM}", f"team = {team}"), encoding="utf-8")
    (folder / "requirements.txt").write_text(_REQUIREMENTS, encoding="utf-8")
    notebook = _first_notebook(name)
    (folder / "10_notebook.ipynb").write_text(json.dumps(notebook, indent=1) + "\n", "utf-8")
    return folder


def read_team(job_dir: pathlib.Path) -> Optional[str]:
    """The [owner] team of the job's config.ini, None if it names none or cannot be read."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(job_dir / "config.ini", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    return parser.get("owner", "team", fallback="").strip() or None


def set_team(job_dir: pathlib.Path, team: str) -> str:
    """Writes `team` as the [owner] team of the job's config.ini, keeping every other line and
    comment as it is (a section or key is added where missing). Returns the team written."""
    team = check_team(team)
    path = job_dir / "config.ini"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    section = None
    owner_end = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if section == "owner" and owner_end is None:
                owner_end = index
            section = stripped[1:-1].strip().lower()
            continue
        key = stripped.split("=", 1)[0].split(":", 1)[0].strip().lower()
        if section == "owner" and key == "team" and not stripped.startswith((";", "#")):
            lines[index] = f"team = {team}\n"
            break
    else:
        if section == "owner" and owner_end is None:
            owner_end = len(lines)
        if owner_end is None:
            lines = ["[owner]\n", f"team = {team}\n", "\n"] + lines
        else:
            if owner_end and not lines[owner_end - 1].endswith("\n"):
                lines[owner_end - 1] += "\n"
            lines.insert(owner_end, f"team = {team}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return team


_CONFIG_INI = """\
; Configuration of this data job. `vdk config-help` lists the options of the [vdk] section.
[owner]
; The team that owns the job in the Control Service.
team = my-team

[job]
; When the deployed job runs (cron, UTC). Remove to run it only on demand.
schedule_cron = 0 5 * * *
; The Python version the deployed job runs with; best the same as your Jupyter kernel's.
; python_version = 3.9

[vdk]
; Options for `vdk run` here and when deployed, for example:
; db_default_type = SQLITE
"""

_REQUIREMENTS = """\
# Installed when the job is deployed. List every package the job's cells import.
vdk-jupyter
"""

_GUIDE = """\
# {name}

This notebook is a step of the data job `{name}`: `vdk run {name}` runs the notebooks at the top \
of the job folder, with its `.sql` and `.py` steps, in file-name order.

**In Jupyter**, with the *VDK (Python 3)* kernel, `job_input` is ready for this job: \
`job_input.execute_query(...)` or a `%%vdksql` cell for SQL, \
`job_input.send_object_for_ingestion(...)` to ingest, `job_input.get_arguments()`. \
It is built from this folder's `config.ini` and your `VDK_...` environment variables, as \
`vdk run` builds it. In another Python kernel, run `%load_ext vdk.plugin.notebook` first. \
`%vdk --help` shows how to pass job arguments or use another job folder.

**What `vdk run` runs**: every code cell, top to bottom, except cells that start with \
`%%non-vdk` or are tagged `non-vdk` or `skip-execution`: keep exploration and plots there. \
(If any cell is tagged `vdk`, only the cells tagged `vdk` run.)

**Before you commit**: restart the kernel and run all cells, so that the notebook works top to \
bottom as `vdk run` runs it. List the packages your cells import in `requirements.txt`.
"""

_FIRST_CELL = """\
print(f"Data job {job_input.get_name()}, arguments {job_input.get_arguments()}")
"""

_EXPLORE_CELL = """\
%%non-vdk
# Exploration: this cell runs in Jupyter only.
job_input
"""


def _first_notebook(name: str) -> dict:
    def cell(cell_id: str, kind: str, source: str) -> dict:
        cell = {"cell_type": kind, "id": cell_id, "metadata": {},
                "source": source.splitlines(True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        return cell

    return {
        "cells": [
            cell("guide", "markdown", _GUIDE.format(name=name)),
            cell("first-step", "code", _FIRST_CELL),
            cell("explore", "code", _EXPLORE_CELL),
        ],
        "metadata": {
            "kernelspec": {"display_name": "VDK (Python 3)", "language": "python", "name": "vdk"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
