"""The hooks through which vdk-core finds notebook steps. Kept thin, and cheap to import: every
`vdk` command loads this module, so the work lives in modules imported only when a job has
notebooks. Even a small module costs a `vdk run` about 0.04% of its instructions to find and
load, which is why the options are declared here and `vdk start-jupyter` is registered without
importing its module."""
from __future__ import annotations

import os
import pathlib

import click
from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.core.context import CoreContext
from vdk.internal.core.statestore import StoreKey

from vdk.plugin.notebook.vdk_run import EVENTS_FILE_VARIABLE

# Set in the job behind a Jupyter kernel's job_input (see kernel_job.py). That job runs no steps, and
# the notebooks beside it may be half-written, so they are not prepared there.
KERNEL_JOB = StoreKey[bool]("vdk-jupyter.kernel-job")


class KernelJobMarker:
    """Loaded into a kernel's job as an extra plugin, to set KERNEL_JOB."""

    @hookimpl
    def vdk_initialize(self, context: CoreContext) -> None:
        context.state.set(KERNEL_JOB, True)


@hookimpl
def vdk_start(plugin_registry, command_line_args: list) -> None:
    """Under a run started from JupyterLab, the server names a file for progress events."""
    if os.environ.get(EVENTS_FILE_VARIABLE):
        from vdk.plugin.notebook.vdk_run import events

        plugin_registry.load_plugin_with_hooks_impl(events, "vdk-jupyter-events")


class _StartJupyter(click.Command):
    """`vdk start-jupyter`, whose definition (jupyter/start.py) is imported only when the command
    runs or shows help: every other `vdk` command registers it, and uses nothing of it."""

    def __init__(self) -> None:
        super().__init__("start-jupyter")

    @staticmethod
    def _real() -> click.Command:
        from vdk.plugin.notebook.jupyter.start import start_jupyter

        return start_jupyter

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        return ctx.command.invoke(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        return self._real().get_short_help_str(limit)


@hookimpl
def vdk_command_line(root_command: click.Group) -> None:
    root_command.add_command(_StartJupyter())


# The options, read by options.py when a job has notebooks.
REPORT = "NOTEBOOK_REPORT"
REPORT_DIRECTORY = "NOTEBOOK_REPORT_DIRECTORY"
REPORT_HTML = "NOTEBOOK_REPORT_HTML"
REPORT_OUTPUT_LIMIT = "NOTEBOOK_REPORT_OUTPUT_LIMIT"
CELL_TIMEOUT = "NOTEBOOK_CELL_TIMEOUT"
SECRET_NAMES = "NOTEBOOK_SECRET_NAMES"
# engine.secrets_mask.DEFAULT_SECRET_NAMES, written out to spare every command importing the
# engine (a test checks that they agree).
DEFAULT_SECRET_WORDS = "password,passwd,secret,token,key,credential"


@hookimpl
def vdk_configure(config_builder) -> None:
    """Declared on every command: `vdk config-help` lists them."""
    config_builder.add(
        REPORT, True, True,
        "Write an executed copy of each notebook step (outputs, timing, failure banner) after "
        "it runs; the step logs its path.",
    )
    config_builder.add(
        REPORT_DIRECTORY, "", False,
        "Directory for executed notebooks, one folder per run: <directory>/<job>/<UTC start "
        "time>/<notebook>.ipynb. Default: vdk-notebook-reports under TEMPORARY_WRITE_DIRECTORY. "
        "Keep it outside the job folder: vdk deploy uploads everything in it.",
    )
    config_builder.add(
        REPORT_HTML, False, True,
        "Also write each executed notebook as HTML (needs nbconvert: pip install "
        "'vdk-jupyter[html]').",
    )
    config_builder.add(
        REPORT_OUTPUT_LIMIT, 1_000_000, True,
        "Characters of output (text and encoded images) an executed notebook keeps per cell; "
        "the rest is dropped with a note. The job log gets all output regardless.",
    )
    config_builder.add(
        CELL_TIMEOUT, 0.0, True,
        "Seconds a notebook cell may run before it is stopped and the step fails; 0: no limit.",
    )
    config_builder.add(
        SECRET_NAMES, DEFAULT_SECRET_WORDS, True,
        "Comma-separated words: job arguments whose names contain one of them (any case) have "
        "their values masked in executed notebooks and their HTML copies; the cells still get "
        "the real values. Empty: mask nothing. Keep real secrets in VDK's secrets "
        "(job_input.get_secret) rather than in arguments.",
    )


def find_notebooks(job_dir: pathlib.Path) -> list[pathlib.Path]:
    """Top-level, non-hidden *.ipynb files: the ones that are steps (see notebook_files)."""
    if not any(name.lower().endswith(".ipynb") for name in os.listdir(job_dir)):
        return []  # the common case, answered without importing the engine
    from vdk.plugin.notebook.engine.notebook_files import find_notebook_files

    return find_notebook_files(job_dir)


@hookimpl(trylast=True)
def initialize_job(context: JobContext) -> None:
    """Add one step per notebook, in file-name order among the steps already found.

    trylast: vdk-core's default hook has added the .sql and .py steps by then.
    """
    job_dir = context.job_directory
    if job_dir is None or context.core_context.state.get(KERNEL_JOB):
        return
    notebooks = find_notebooks(pathlib.Path(job_dir))
    if notebooks:
        from vdk.plugin.notebook.vdk_run.step_list import add_notebook_steps

        add_notebook_steps(context, notebooks)
