"""Putting notebook steps into vdk-core's list of steps, in file-name order.

vdk-core's StepBuilder hands out its live list of steps; inserting into it is the public way to
place a step among the .sql and .py steps without re-sorting what other plugins added.
"""
from __future__ import annotations

import datetime
import logging
import pathlib
from typing import Any
from typing import Optional

from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.builtin_plugins.run.step import Step

from vdk.plugin.notebook.vdk_run import options
from vdk.plugin.notebook.engine.code_cache import job_code_cache
from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.errors import shown
from vdk.plugin.notebook.engine.prepare import prepare_notebook
from vdk.plugin.notebook.engine.report import ReportOptions
from vdk.plugin.notebook.engine.report_folder import ReportFolder
from vdk.plugin.notebook.engine.report_folder import ReportFolderError
from vdk.plugin.notebook.vdk_run.state_keys import REPAIR_PLAN
from vdk.plugin.notebook.vdk_run.standalone import configured_python_version
from vdk.plugin.notebook.vdk_run.step import STEP_TYPE
from vdk.plugin.notebook.vdk_run.step import NotebookStep

log = logging.getLogger(__name__)


def add_notebook_steps(context: JobContext, notebooks: list[pathlib.Path]) -> None:
    """Read the options, prepare every notebook now, before any step runs, and add one step
    each."""
    job_dir = pathlib.Path(context.job_directory)
    steps = context.step_builder.get_steps()
    try:
        run_options = options.read(context.core_context.configuration)
    except options.InvalidOption as e:
        log.error("%s", e)
        # A step, as for a notebook that cannot run (below): vdk-core then reports a user error.
        steps.insert(0, Step(e.key.lower(), STEP_TYPE, _RefusedOption(e), None, job_dir))
        return
    report = _report_options(run_options, job_dir, context.name,
                             context.core_context.state.get(REPAIR_PLAN))
    arguments: Any = context.job_args.get_arguments() if context.job_args else None
    python_version = configured_python_version(job_dir)
    codes = job_code_cache(run_options.temporary_directory, job_dir)
    after = 0  # the notebooks come sorted by name: each goes after the one before
    try:
        for path in notebooks:
            try:
                prepared = prepare_notebook(path, arguments, python_version,
                                            run_options.secret_words, codes.compile)
            except NotebookError as e:
                log.error("%s cannot be run.\n%s", shown(path.name), e.message())
                # As the job's first step, it fails before any other step runs, and vdk-core
                # reports it as any failed step (run summary, user error). Raised from
                # initialize_job instead, it would come with vdk-core's advice to check VDK's own
                # plugins.
                steps.insert(0, Step(shown(path.name), STEP_TYPE, _Refused(e), path, job_dir))
                return
            runner = NotebookStep(prepared, report, run_options.cell_timeout, context.name)
            step = Step(shown(path.name), STEP_TYPE, runner, path, job_dir)
            after = _position(steps, step, after)
            steps.insert(after, step)
            after += 1
    finally:
        codes.save()  # the cells compiled so far, even when a later notebook is refused


def _report_options(
    run_options: options.RunOptions, job_dir: pathlib.Path, job_name: str,
    repair: Optional[dict] = None,
) -> Optional[ReportOptions]:
    """Where and how this run's executed notebooks are written; None: they are not. A repair's
    run folder says which run it repairs: `<UTC start time>-repair-of-<run id>`."""
    if not run_options.report:
        return None
    started = None
    if repair is not None:
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        started += f"-repair-of-{repair['repairs']}" if repair.get("repairs") else "-repair"
    folder = ReportFolder(run_options.report_directory, run_options.temporary_directory, job_name,
                          started)
    if job_dir.absolute() in folder.job_folder.parents:
        log.warning(
            "%s is inside the job folder: vdk deploy would upload every executed notebook. "
            "Set %s to a directory outside it.", shown(folder.base), options.REPORT_DIRECTORY,
        )
    try:
        folder.check()
    except (ReportFolderError, OSError) as e:
        # The job runs on: a folder someone else planted must not stop the user's jobs.
        log.error("%s", e if isinstance(e, ReportFolderError) else
                  f"The report folder {shown(folder.job_folder)} cannot be used: {e}; executed "
                  "notebooks are not written in this run.")
        return None
    return ReportOptions(folder, run_options.report_output_limit, run_options.report_html)


class _Refused:
    """The step of a notebook that cannot run."""

    def __init__(self, error: NotebookError):
        self.error = error

    def __call__(self, step: Step, job_input: object) -> bool:
        from vdk.plugin.notebook.vdk_run.vdk_errors import NotebookStepError  # only on failure

        raise NotebookStepError(self.error)


class _RefusedOption:
    """The step standing for an option the notebook steps cannot run with."""

    def __init__(self, error: options.InvalidOption):
        self.error = error

    def __call__(self, step: Step, job_input: object) -> bool:
        from vdk.plugin.notebook.vdk_run.vdk_errors import InvalidOptionError  # only on failure

        raise InvalidOptionError(self.error)


def _position(steps: list[Step], new: Step, start: int = 0) -> int:
    """Before the first file step of the same job that sorts after `new`, as vdk-core sorts;
    looked for from `start`, where the notebook sorted before `new` went (none of the steps
    before it sorts after `new`)."""
    name, job_dir = new.file_path.name, new.job_dir
    for index in range(start, len(steps)):
        step = steps[index]
        if (step.file_path is not None and step.file_path.name > name
                and step.job_dir == job_dir):
            return index
    return len(steps)
