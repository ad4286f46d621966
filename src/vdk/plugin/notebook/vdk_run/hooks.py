"""The hooks through which vdk-core finds notebook steps. Kept thin, and cheap to import: every
`vdk` command loads this module, so the work lives in modules imported only when a job has
notebooks. Even a small module costs a `vdk run` about 0.04% of its instructions to find and
load. The commands this package adds to `vdk` are registered by a plugin module of their own
(cli/plugin.py), and nothing in vdk_run imports this module (tests/test_layout.py)."""
from __future__ import annotations

import os
import pathlib

from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext

from vdk.plugin.notebook.job.notebooks import find_notebooks
from vdk.plugin.notebook.job import EVENTS_FILE_VARIABLE
from vdk.plugin.notebook.vdk_run.option_keys import declare_options
from vdk.plugin.notebook.vdk_run.standalone import KERNEL_JOB


@hookimpl
def vdk_start(plugin_registry, command_line_args: list) -> None:
    """Under a run started from JupyterLab, the server names a file for progress events."""
    if os.environ.get(EVENTS_FILE_VARIABLE):
        from vdk.plugin.notebook.vdk_run import events

        plugin_registry.load_plugin_with_hooks_impl(events, "vdk-jupyter-events")


@hookimpl
def vdk_configure(config_builder) -> None:
    """Declared on every command: `vdk config-help` lists them."""
    declare_options(config_builder)


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
