"""Putting notebook steps into vdk-core's list of steps, in file-name order.

vdk-core's StepBuilder hands out its live list of steps; inserting into it is the public way to
place a step among the .sql and .py steps without re-sorting what other plugins added.
"""
from __future__ import annotations

import logging
import pathlib
from typing import Any
from typing import Optional

from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.builtin_plugins.run.step import Step

from vdk.plugin.notebook import options
from vdk.plugin.notebook.errors import NotebookError
from vdk.plugin.notebook.notebook import prepare_notebook
from vdk.plugin.notebook.parameters import inject_parameters
from vdk.plugin.notebook.step import STEP_TYPE
from vdk.plugin.notebook.step import NotebookStep
from vdk.plugin.notebook.vdk_errors import NotebookStepError

log = logging.getLogger(__name__)


def add_notebook_steps(context: JobContext, notebooks: list[pathlib.Path]) -> None:
    """Prepare every notebook now, before any step runs, and add one step each."""
    job_dir = pathlib.Path(context.job_directory)
    steps = context.step_builder.get_steps()
    run_options = options.read(context)
    arguments: Optional[dict[str, Any]] = (
        context.job_args.get_arguments() if context.job_args else None
    )
    for path in notebooks:
        try:
            prepared = inject_parameters(prepare_notebook(path), arguments)
        except NotebookError as e:
            log.error("%s cannot be run.\n%s", path.name, e.message())
            # As the job's first step, it fails before any other step runs, and vdk-core reports
            # it as any failed step (run summary, user error). Raised from initialize_job
            # instead, it would come with vdk-core's advice to check VDK's own plugins.
            steps.insert(0, Step(path.name, STEP_TYPE, _Refused(e), path, job_dir))
            return
        runner = NotebookStep(prepared, run_options.report, run_options.cell_timeout, context.name)
        step = Step(path.name, STEP_TYPE, runner, path, job_dir)
        steps.insert(_position(steps, step), step)


class _Refused:
    """The step of a notebook that cannot run."""

    def __init__(self, error: NotebookError):
        self.error = error

    def __call__(self, step: Step, job_input: object) -> bool:
        raise NotebookStepError(self.error)


def _position(steps: list[Step], new: Step) -> int:
    """Before the first file step of the same job that sorts after `new`, as vdk-core sorts."""
    for index, step in enumerate(steps):
        if step.job_dir == new.job_dir and step.file_path is not None and step.name > new.name:
            return index
    return len(steps)
