"""A notebook as a VDK step: the bridge between vdk-core's step contract and the engine."""
from __future__ import annotations

import builtins
import logging
import types
from typing import Any
from typing import Optional

from vdk.api.job_input import IJobInput
from vdk.internal.builtin_plugins.run.step import Step
from vdk.internal.core.errors import SkipRemainingStepsException
from vdk.internal.core.errors import VdkConfigurationError

from vdk.plugin.notebook.engine.capture import display
from vdk.plugin.notebook.engine.compiler import CompiledCell
from vdk.plugin.notebook.engine.execute import CellIO
from vdk.plugin.notebook.engine.execute import run_cells
from vdk.plugin.notebook.engine.outcome import CellListener
from vdk.plugin.notebook.engine.outcome import CellResult
from vdk.plugin.notebook.engine.outcome import CellStatus
from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.errors import error_text
from vdk.plugin.notebook.engine.prepare import PreparedNotebook
from vdk.plugin.notebook.engine.process_state import importable_folder
from vdk.plugin.notebook.engine.process_state import main_module
from vdk.plugin.notebook.engine.process_state import working_directory
from vdk.plugin.notebook.engine.report import NotebookReport
from vdk.plugin.notebook.engine.report import ReportOptions
from vdk.plugin.notebook.vdk_run.signals import sigterm_as_interrupt

log = logging.getLogger(__name__)

STEP_TYPE = "notebook"


class _ProgressLog(CellListener):
    """One INFO line per cell, so a long run shows where it is."""

    # perf: where the line is logged from, as log.info finds it, looked up once instead of for
    # every cell (finding it walks the stack: about 13,000 instructions a cell, which the 50 MB
    # workload's guard rail needs; see docs/performance.md). The record and the line are those
    # log.info makes.
    _caller: Optional[tuple] = None

    def __init__(self, notebook: PreparedNotebook, label: str):
        self._label = label
        self._total = len(notebook.cells)

    def cell_started(self, cell: CompiledCell, count: int) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        if _ProgressLog._caller is None:
            _ProgressLog._caller = log.findCaller()
        path, line, function, _ = _ProgressLog._caller
        args = (self._label, cell.cell.label, count, self._total)
        log.handle(log.makeRecord(log.name, logging.INFO, path, line,
                                  "%s: running %s, %d of %d", args, None, function))

    def cell_finished(self, result: CellResult) -> None:
        if result.status is CellStatus.EXPECTED_ERROR:
            log.warning(
                "%s: %s raised %s: %s (expected: the cell is tagged raises-exception)",
                self._label, result.cell.cell.label, type(result.error).__name__,
                error_text(result.error),
            )


class NotebookStep:
    """The runner_func of a notebook step: runs the prepared cells with the job's job_input."""

    def __init__(
        self,
        notebook: PreparedNotebook,
        report: Optional[ReportOptions] = None,
        cell_timeout: Optional[float] = None,
        job_name: str = "",
    ):
        self.notebook = notebook
        self.report = report  # None: no executed notebook is written
        self.cell_timeout = cell_timeout
        self.job_name = job_name
        # Listeners besides the progress log and the report: the JupyterLab run events (events.py).
        self.extra_listeners: list[CellListener] = []

    def __call__(self, step: Step, job_input: IJobInput) -> bool:
        notebook = self.notebook
        if not notebook.cells:
            log.warning(
                "%s has no code cells to run (%d code cells, all left out by tags or markers "
                "or empty). Nothing to execute; continuing with the next step.",
                notebook.label, notebook.code_cell_count,
            )
            return False
        label, injected = notebook.label, notebook.injected_cells  # label: made once, not per use
        log.info(
            "%s: starting, %d of %d code cells to run%s",
            label, len(notebook.cells) - injected, notebook.code_cell_count,
            ", plus the injected-parameters cell" if injected else "",
        )
        module = _main_module(job_input)
        listeners: list[CellListener] = [_ProgressLog(notebook, label), *self.extra_listeners]
        report = None
        if self.report is not None:
            report = NotebookReport(notebook, self.report, self.job_name)
            listeners.append(report)
        try:
            # Jupyter runs a notebook in its own folder, so cells open files beside it
            # (`open('data.csv')`, `!pwd`, `%%writefile`); a .py step keeps vdk-core's cwd.
            with importable_folder(str(step.job_dir)), main_module(module), working_directory(
                str(notebook.path.parent.absolute())
            ), sigterm_as_interrupt():
                summary = run_cells(
                    label,
                    notebook.cells,
                    module.__dict__,
                    run_sql=lambda sql: _run_sql(job_input, sql),
                    listeners=listeners,
                    passthrough=(SkipRemainingStepsException,),
                    cell_io=report.io if report is not None else CellIO(),
                    cell_timeout=self.cell_timeout,
                )
        except SkipRemainingStepsException:
            log.info(
                "%s: skip_remaining_steps() called; the remaining cells and steps are skipped.",
                label,
            )
            raise
        except NotebookError as e:
            _say_when_no_database_is_configured(e, job_input)
            # The user's frames only; every frame at DEBUG (and in the report, the UI: one click).
            log.error("%s: failed.\n%s", label, e.message())
            if getattr(e, "full_traceback", ""):
                log.debug("%s: the full traceback:\n%s", label, e.full_traceback)
            from vdk.plugin.notebook.vdk_run.vdk_errors import NotebookStepError  # only on failure

            raise NotebookStepError(e) from None
        except BaseException as e:  # not a cell's: the run itself broke; recorded
            if report is not None:
                report.run_broke(e)
            raise
        finally:
            if report is not None:
                report.save()
        log.info("%s: finished, %d cells in %.3f s", label, summary.cells_run, summary.seconds)
        return True


def _run_sql(job_input: IJobInput, sql: str) -> Optional[Any]:
    """A %%vdksql cell: the query runs as job_input.execute_query runs it; a result set comes
    back with its column names, so the report shows a table where Jupyter shows one."""
    from vdk.plugin.notebook.vdk_run.sql_table import query_with_columns

    result = query_with_columns(job_input, sql)
    return None if isinstance(result, int) else result


def _main_module(job_input: IJobInput) -> types.ModuleType:
    """The module the cells run in, as `__main__` (see process_state.main_module), holding what
    a notebook finds without importing it: `job_input`, and `display` as in Jupyter."""
    module = types.ModuleType("__main__")
    module.__dict__.update(__builtins__=builtins, job_input=job_input, display=display)
    return module


def _say_when_no_database_is_configured(error: NotebookError, job_input: IJobInput) -> None:
    """A cell's query failed because the job names no database: say so and what to set (the
    SQLite file JupyterLab uses for this job, where there is one), rather than advise fixing a
    cell or a query that may well be right. As a %%vdksql cell says it (sql_table.py)."""
    if not isinstance(getattr(error, "cause", None), VdkConfigurationError):
        return
    from vdk.plugin.notebook.vdk_run.sql_table import unconfigured_database

    unconfigured = unconfigured_database(job_input)
    if unconfigured is not None:
        what, error.to_do = unconfigured
        error.what = f"{error.what}\n{what}"
