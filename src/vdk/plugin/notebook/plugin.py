"""The hooks through which vdk-core finds notebook steps. Kept thin: the work is elsewhere."""
from __future__ import annotations

import logging
import pathlib

from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.builtin_plugins.run.step import Step

from vdk.plugin.notebook.errors import NotebookError
from vdk.plugin.notebook.notebook import prepare_notebook
from vdk.plugin.notebook.step import STEP_TYPE
from vdk.plugin.notebook.step import NotebookStep
from vdk.plugin.notebook.vdk_errors import NotebookStepError

log = logging.getLogger(__name__)


def find_notebooks(job_dir: pathlib.Path) -> list[pathlib.Path]:
    """Top-level, non-hidden *.ipynb files: the ones that are steps."""
    return sorted(
        (p for p in job_dir.iterdir()
         if p.suffix.lower() == ".ipynb" and not p.name.startswith(".") and p.is_file()),
        key=lambda p: p.name,
    )


@hookimpl(trylast=True)
def initialize_job(context: JobContext) -> None:
    """Add one step per notebook, in file-name order among the steps already found.

    trylast: vdk-core's default hook has added the .sql and .py steps by then. Every notebook is
    prepared here, before any step runs, so a broken one fails the job before data changes.
    """
    job_dir = context.job_directory
    if job_dir is None:
        return
    steps = context.step_builder.get_steps()
    for path in find_notebooks(pathlib.Path(job_dir)):
        try:
            prepared = prepare_notebook(path)
        except NotebookError as e:
            log.error("%s cannot be run.\n%s", path.name, e.message())
            raise NotebookStepError(e) from None
        step = Step(
            name=path.name,
            type=STEP_TYPE,
            runner_func=NotebookStep(prepared),
            file_path=path,
            job_dir=pathlib.Path(job_dir),
        )
        steps.insert(_position(steps, step), step)


def _position(steps: list[Step], new: Step) -> int:
    """Before the first file step of the same job that sorts after `new`, as vdk-core sorts."""
    for index, step in enumerate(steps):
        if step.job_dir == new.job_dir and step.file_path is not None and step.name > new.name:
            return index
    return len(steps)
