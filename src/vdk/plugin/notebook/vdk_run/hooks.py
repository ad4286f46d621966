"""The hooks through which vdk-core finds notebook steps. Kept thin, and cheap to import: every
`vdk` command loads this module, so the work lives in modules imported only when a job has
notebooks."""
from __future__ import annotations

import pathlib

import click
from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.core.context import CoreContext
from vdk.internal.core.statestore import StoreKey

# Set in the job behind a Jupyter kernel's job_input (see kernel_job.py). That job runs no steps, and
# the notebooks beside it may be half-written, so they are not prepared there.
KERNEL_JOB = StoreKey[bool]("vdk-jupyter.kernel-job")


class KernelJobMarker:
    """Loaded into a kernel's job as an extra plugin, to set KERNEL_JOB."""

    @hookimpl
    def vdk_initialize(self, context: CoreContext) -> None:
        context.state.set(KERNEL_JOB, True)


@hookimpl
def vdk_command_line(root_command: click.Group) -> None:
    """`vdk start-jupyter`. jupyter.py imports nothing of Jupyter, so other commands pay nothing."""
    from vdk.plugin.notebook.jupyter.start import start_jupyter

    root_command.add_command(start_jupyter)


@hookimpl
def vdk_configure(config_builder) -> None:
    from vdk.plugin.notebook.vdk_run import options

    options.declare(config_builder)


def find_notebooks(job_dir: pathlib.Path) -> list[pathlib.Path]:
    """Top-level, non-hidden *.ipynb files: the ones that are steps (see notebook_files)."""
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
