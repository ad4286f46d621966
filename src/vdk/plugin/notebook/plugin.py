"""The hooks through which vdk-core finds notebook steps. Kept thin: the work is elsewhere."""
from __future__ import annotations

import logging
import pathlib
from typing import Optional

import click
from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext
from vdk.internal.builtin_plugins.run.step import Step
from vdk.internal.core.context import CoreContext
from vdk.internal.core.statestore import StoreKey

from vdk.plugin.notebook.errors import NotebookError
from vdk.plugin.notebook.notebook import prepare_notebook
from vdk.plugin.notebook.parameters import inject_parameters
from vdk.plugin.notebook.report import ReportOptions
from vdk.plugin.notebook.report import run_folder
from vdk.plugin.notebook.step import STEP_TYPE
from vdk.plugin.notebook.step import NotebookStep
from vdk.plugin.notebook.vdk_errors import NotebookStepError

log = logging.getLogger(__name__)

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
    from vdk.plugin.notebook.jupyter import start_jupyter

    root_command.add_command(start_jupyter)


def find_notebooks(job_dir: pathlib.Path) -> list[pathlib.Path]:
    """Top-level, non-hidden *.ipynb files: the ones that are steps."""
    return sorted(
        (p for p in job_dir.iterdir()
         if p.suffix.lower() == ".ipynb" and not p.name.startswith(".") and p.is_file()),
        key=lambda p: p.name,
    )


REPORT = "NOTEBOOK_REPORT"
REPORT_DIRECTORY = "NOTEBOOK_REPORT_DIRECTORY"
REPORT_HTML = "NOTEBOOK_REPORT_HTML"
REPORT_OUTPUT_LIMIT = "NOTEBOOK_REPORT_OUTPUT_LIMIT"
CELL_TIMEOUT = "NOTEBOOK_CELL_TIMEOUT"


@hookimpl
def vdk_configure(config_builder) -> None:
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


def _run_options(context: JobContext) -> tuple[Optional[ReportOptions], Optional[float]]:
    config = context.core_context.configuration
    timeout = config.get_value(CELL_TIMEOUT) or None
    if not config.get_value(REPORT):
        return None, timeout
    folder = run_folder(
        config.get_value(REPORT_DIRECTORY) or "",
        config.get_value("TEMPORARY_WRITE_DIRECTORY"),
        context.name,
    )
    if context.job_directory and pathlib.Path(context.job_directory).absolute() in folder.parents:
        log.warning(
            "%s is inside the job folder: vdk deploy would upload every executed notebook. "
            "Set %s to a directory outside it.", folder, REPORT_DIRECTORY,
        )
    limit = config.get_value(REPORT_OUTPUT_LIMIT)
    return ReportOptions(folder, limit, bool(config.get_value(REPORT_HTML))), timeout


@hookimpl(trylast=True)
def initialize_job(context: JobContext) -> None:
    """Add one step per notebook, in file-name order among the steps already found.

    trylast: vdk-core's default hook has added the .sql and .py steps by then. Every notebook is
    prepared here, before any step runs, so a broken one fails the job before data changes.
    """
    job_dir = context.job_directory
    if job_dir is None or context.core_context.state.get(KERNEL_JOB):
        return
    steps = context.step_builder.get_steps()
    notebooks = find_notebooks(pathlib.Path(job_dir))
    report, cell_timeout = _run_options(context) if notebooks else (None, None)
    arguments = context.job_args.get_arguments() if context.job_args else None
    for path in notebooks:
        try:
            prepared = inject_parameters(prepare_notebook(path), arguments)
        except NotebookError as e:
            log.error("%s cannot be run.\n%s", path.name, e.message())
            # As the job's first step, it fails before any other step runs, and vdk-core reports
            # it as any failed step (run summary, user error). Raised from here instead, it would
            # come with vdk-core's advice to check VDK's own plugins and prerequisites.
            steps.insert(0, Step(
                name=path.name, type=STEP_TYPE, runner_func=_Refused(e), file_path=path,
                job_dir=pathlib.Path(job_dir),
            ))
            return
        step = Step(
            name=path.name,
            type=STEP_TYPE,
            runner_func=NotebookStep(prepared, report, cell_timeout, context.name),
            file_path=path,
            job_dir=pathlib.Path(job_dir),
        )
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
