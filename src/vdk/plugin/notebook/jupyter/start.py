"""`vdk start-jupyter`: JupyterLab opened in a data job folder, or in a new one (`--new`).

The server is what a user would start by hand, with the safe choices fixed: it listens on
localhost only and keeps Jupyter's token authentication, whatever a user's Jupyter config says
about the address. Imported on every `vdk` command (to register the command), so it imports
nothing of Jupyter: JupyterLab is a separate process, and an optional extra.
"""
from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import signal
import subprocess
import sys
from typing import Optional

import click

KERNEL_SHUTDOWN_WAIT_SECONDS = 30
INSTALL_HINT = 'pip install "vdk-jupyter[jupyter]"'
_JOB_NAME = re.compile(r"[a-z][a-z0-9-]{0,44}")


@click.command(name="start-jupyter")
@click.argument("job_dir", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default: "
              "Jupyter's, 8888 or the next free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; open the printed URL.")
@click.option("--new", "new_job", metavar="JOB_NAME", help="Create the data job folder JOB_NAME "
              "in JOB_DIR (config.ini, requirements.txt, 10_notebook.ipynb) and open it.")
def start_jupyter(job_dir: str, port: Optional[int], no_browser: bool, new_job: Optional[str]):
    """Start JupyterLab in a data job folder (JOB_DIR, default: the current folder).

    Notebooks opened with the "VDK (Python 3)" kernel have a ready `job_input` for the job, and
    `vdk run JOB_DIR` runs the same notebooks unchanged. JupyterLab listens on localhost only,
    with token authentication; stop it with Ctrl-C.
    """
    if importlib.util.find_spec("jupyterlab") is None:
        raise click.ClickException(
            f"JupyterLab is not installed in this Python environment ({sys.prefix}). "
            f"Install it with: {INSTALL_HINT}"
        )
    folder = pathlib.Path(job_dir).resolve()
    if new_job is not None:
        folder = create_job(folder, new_job)
        click.echo(f"Created the data job folder {folder} with config.ini, requirements.txt "
                   "and 10_notebook.ipynb.")
    elif not folder.is_dir():
        raise click.BadParameter(f"there is no folder {folder}.", param_hint="JOB_DIR")
    click.echo(f"Starting JupyterLab in {folder}, on localhost with token authentication. "
               "Open the URL with the token that it prints below; Ctrl-C stops it.")
    sys.exit(_run_until_interrupted(_command(folder, port, no_browser), folder))


def _command(folder: pathlib.Path, port: Optional[int], no_browser: bool) -> list[str]:
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        # Command-line options win over config files: never another interface than localhost.
        "--ServerApp.ip=localhost",
        # One Ctrl-C stops the server, instead of Jupyter's "Shutdown this server (y/[n])?".
        "--ServerApp.answer_yes=True",
        # A kernel exiting finalises its data job; rows still being written (say, sent from a
        # thread after the last cell) need longer than jupyter_client's 5 s before the kill.
        f"--KernelManager.shutdown_wait_time={KERNEL_SHUTDOWN_WAIT_SECONDS}",
    ]
    if port is not None:
        command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if no_browser:
        command.append("--ServerApp.open_browser=False")
    return command


def _run_until_interrupted(command: list[str], folder: pathlib.Path) -> int:
    process = subprocess.Popen(command, cwd=folder)
    # A service manager stops this command with SIGTERM: stop JupyterLab too, not orphan it.
    signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signum))
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl-C in a terminal reaches JupyterLab too; a SIGINT sent to this process alone
        # does not, so pass it on, and wait for the server to shut its kernels down.
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait()
        return 0


def create_job(parent: pathlib.Path, name: str) -> pathlib.Path:
    """A new data job folder `parent/name` with a first notebook, ready to run and deploy."""
    if not _JOB_NAME.fullmatch(name):  # match() and `$` would let a trailing newline in
        raise click.BadParameter(
            f"{name!r} is not a valid data job name: use lowercase letters, digits and '-', "
            "start with a letter, at most 45 characters (for example: daily-sales).",
            param_hint="--new",
        )
    folder = parent / name
    if folder.exists():
        raise click.ClickException(
            f"{folder} already exists. Choose another name, or open it with: "
            f"vdk start-jupyter {folder}"
        )
    folder.mkdir(parents=True)
    (folder / "config.ini").write_text(_CONFIG_INI, encoding="utf-8")
    (folder / "requirements.txt").write_text(_REQUIREMENTS, encoding="utf-8")
    notebook = _first_notebook(name)
    (folder / "10_notebook.ipynb").write_text(json.dumps(notebook, indent=1) + "\n", "utf-8")
    return folder


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
