"""The hooks through which vdk-core finds notebook steps, and each local run leaves its run
record (run_recording.py, read by `vdk repair`). Kept thin, and cheap to import: every `vdk`
command loads this module, so the work lives in modules imported only when a job runs or has
notebooks. Even a small module costs a `vdk run` about 0.04% of its instructions to find and
load. vdk-core loads these hooks through the package's one plugin module, vdk_plugin.py, which
also registers the commands this package adds to `vdk`; nothing in vdk_run imports this module
(tests/test_layout.py)."""
from __future__ import annotations

import os
import pathlib

from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext

from vdk.plugin.notebook.job.notebooks import find_notebooks
from vdk.plugin.notebook.job import ARGUMENTS_FILE_VARIABLE
from vdk.plugin.notebook.job import EVENTS_FILE_VARIABLE
from vdk.plugin.notebook.vdk_run.option_keys import declare_options
from vdk.plugin.notebook.vdk_run.state_keys import KERNEL_JOB
from vdk.plugin.notebook.vdk_run.state_keys import RECORDER


@hookimpl
def vdk_start(plugin_registry, command_line_args: list) -> None:
    """Under a run started from JupyterLab, the server names a file for progress events, and
    one to read the job arguments from."""
    if os.environ.get(EVENTS_FILE_VARIABLE):
        from vdk.plugin.notebook.vdk_run import events

        plugin_registry.load_plugin_with_hooks_impl(events, "vdk-jupyter-events")
    if os.environ.get(ARGUMENTS_FILE_VARIABLE):
        from vdk.plugin.notebook.vdk_run import arguments_file

        plugin_registry.load_plugin_with_hooks_impl(arguments_file, "vdk-jupyter-arguments")


@hookimpl
def vdk_configure(config_builder) -> None:
    """Declared on every command: `vdk config-help` lists them."""
    declare_options(config_builder)


@hookimpl(trylast=True)
def initialize_job(context: JobContext) -> None:
    """Add one step per notebook, in file-name order among the steps already found.

    trylast: vdk-core's default hook has added the .sql and .py steps by then.

    First, a job whose database is PostgreSQL connects to it once (database_check.py): a wrong
    password or a server that is down is said in one line within seconds, before any step runs,
    instead of after vdk-core's connection retries. The job behind a kernel's job_input too.
    """
    configuration = context.core_context.configuration
    if str(configuration.get_value("DB_DEFAULT_TYPE") or "").strip().upper() == "POSTGRES":
        from vdk.plugin.notebook.vdk_run.database_check import check_job_database

        check_job_database(configuration)
    job_dir = context.job_directory
    if job_dir is None or context.core_context.state.get(KERNEL_JOB):
        return
    notebooks = find_notebooks(pathlib.Path(job_dir))
    if notebooks:
        from vdk.plugin.notebook.vdk_run.step_list import add_notebook_steps

        add_notebook_steps(context, notebooks)
    from vdk.plugin.notebook.vdk_run import run_recording

    # Last, once every step is in the list: the run record, and the steps a repair skips.
    run_recording.begin(context)


@hookimpl(hookwrapper=True)
def run_step(context: JobContext, step):
    """Each step's outcome into the run record (vdk_run/run_recording.py)."""
    recorder = context.core_context.state.get(RECORDER)
    if recorder is None:
        yield
        return
    recorder.step_started(step.name)
    outcome = yield
    from vdk.plugin.notebook.vdk_run.run_recording import step_ended

    step_ended(recorder, step, outcome)


@hookimpl(hookwrapper=True, trylast=True)
def run_job(context: JobContext):
    """trylast: the innermost wrapper, so the skipped steps are back in the result before
    vdk-core's summary plugins read it."""
    recorder = context.core_context.state.get(RECORDER)
    if recorder is None:
        yield
        return
    outcome = yield
    from vdk.plugin.notebook.vdk_run.run_recording import job_ended

    job_ended(recorder, outcome)


@hookimpl
def finalize_job(context: JobContext) -> None:
    """A job that failed before its steps ran (run_job raised) still ends its record."""
    recorder = context.core_context.state.get(RECORDER)
    if recorder is not None:
        from vdk.plugin.notebook.job.run_record import FAILED

        recorder.finish(FAILED)
