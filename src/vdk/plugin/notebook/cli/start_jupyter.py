"""`vdk start-jupyter`: JupyterLab opened in a data job folder, or in a new one (`--new`).

The server is what a user would start by hand, with the safe choices fixed: it listens on
localhost only and keeps Jupyter's token authentication, whatever a user's Jupyter config says
about the address. Imported on every `vdk` command (to register the command), so it imports
nothing of Jupyter: JupyterLab is a separate process, and an optional extra.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import signal
import subprocess
import sys
from typing import Optional

import click

from vdk.plugin.notebook.job.folder import is_job_folder
from vdk.plugin.notebook.job.template import InvalidJobName
from vdk.plugin.notebook.job.template import check_job_name
from vdk.plugin.notebook.job.template import create_job
from vdk.plugin.notebook.server import REQUIRE_AUTH_VARIABLE

KERNEL_SHUTDOWN_WAIT_SECONDS = 30
INSTALL_HINT = 'pip install "vdk-jupyter[jupyter]"'


@click.command(name="start-jupyter")
@click.argument("job_dir", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default: "
              "Jupyter's, 8888 or the next free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; open the printed URL.")
@click.option("--new", "new_job", metavar="JOB_NAME", help="Create the data job folder JOB_NAME "
              "in JOB_DIR (config.ini, requirements.txt, 10_notebook.ipynb) and open it.")
@click.option("--allow-root", is_flag=True, help="Allow running as root, as in a container "
              "(JupyterLab refuses it otherwise).")
def start_jupyter(job_dir: str, port: Optional[int], no_browser: bool, new_job: Optional[str],
                  allow_root: bool):
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
        try:
            check_job_name(new_job)
        except InvalidJobName as e:
            raise click.BadParameter(str(e), param_hint="--new") from None
        if (folder / new_job).exists():
            raise click.ClickException(f"{folder / new_job} already exists. Choose another name, "
                                       f"or open it with: vdk start-jupyter {folder / new_job}")
    elif not folder.is_dir():
        raise click.BadParameter(f"there is no folder {folder}.", param_hint="JOB_DIR")
    if _is_root() and not allow_root:
        raise click.ClickException(
            "You are running as root, and JupyterLab refuses to run as root unless told to. In a "
            "container, run: vdk start-jupyter --allow-root (it passes --ServerApp.allow_root=True); "
            "elsewhere, run it as a normal user."
        )
    if new_job is not None:
        try:
            folder = create_job(folder, new_job)
        except FileExistsError as e:
            raise click.ClickException(f"{e} Choose another name, or open it with: "
                                       f"vdk start-jupyter {folder / new_job}") from None
        click.echo(f"Created the data job folder {folder} with config.ini, requirements.txt "
                   "and 10_notebook.ipynb.")
    click.echo(f"Starting JupyterLab in {folder}, on localhost with token authentication. "
               "Open the URL with the token that it prints below; Ctrl-C stops it.")
    _say_which_database(folder)
    sys.exit(_run_until_interrupted(_command(folder, port, no_browser, allow_root), folder))


def _say_which_database(folder: pathlib.Path) -> None:
    """Where a job that names no database writes from Jupyter (local_database.py), said once."""
    if is_job_folder(folder):
        from vdk.plugin.notebook.job.local_database import local_database

        message = local_database(folder).message
        if message:
            click.echo(message)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _command(folder: pathlib.Path, port: Optional[int], no_browser: bool, allow_root: bool = False
             ) -> list[str]:
    command = [
        # `python -m jupyterlab`, with the refusal to serve without a token or password that no
        # Jupyter configuration can turn off (jupyterlab_with_auth.py).
        sys.executable, "-m", "vdk.plugin.notebook.cli.jupyterlab_with_auth",
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
    if allow_root:
        command.append("--ServerApp.allow_root=True")
    return command


def _run_until_interrupted(command: list[str], folder: pathlib.Path) -> int:
    # The server extension refuses too (a second line of defence, for a server started by
    # other means with this variable): a server without auth runs anyone's code.
    env = dict(os.environ, **{REQUIRE_AUTH_VARIABLE: "1"})
    process = subprocess.Popen(command, cwd=folder, env=env)
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
