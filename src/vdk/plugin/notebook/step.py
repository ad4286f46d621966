"""A notebook as a VDK step: the bridge between vdk-core's step contract and the engine."""
from __future__ import annotations

import builtins
import logging
import sys
import types
from typing import Any
from typing import Optional

from vdk.api.job_input import IJobInput
from vdk.internal.builtin_plugins.run.step import Step
from vdk.internal.core.errors import SkipRemainingStepsException

from vdk.plugin.notebook.capture import display
from vdk.plugin.notebook.compiler import CompiledCell
from vdk.plugin.notebook.engine import CellIO
from vdk.plugin.notebook.engine import CellListener
from vdk.plugin.notebook.engine import run_cells
from vdk.plugin.notebook.errors import NotebookError
from vdk.plugin.notebook.errors import error_text
from vdk.plugin.notebook.notebook import PreparedNotebook
from vdk.plugin.notebook.report import NotebookReport
from vdk.plugin.notebook.report import ReportOptions
from vdk.plugin.notebook.vdk_errors import NotebookStepError

log = logging.getLogger(__name__)

STEP_TYPE = "notebook"


class _ProgressLog(CellListener):
    """One INFO line per cell, so a long run shows where it is."""

    def __init__(self, notebook: PreparedNotebook):
        self._notebook = notebook
        self._total = len(notebook.cells)

    def cell_started(self, cell: CompiledCell, count: int) -> None:
        if cell.cell.injected:  # not in the file: its number is that of the cell it follows
            what = "the injected-parameters cell"
        else:
            cell_id = f" (id {cell.cell.cell_id})" if cell.cell.cell_id else ""
            what = f"code cell {cell.cell.number}{cell_id}"
        log.info("%s: running %s, %d of %d", self._notebook.name, what, count, self._total)

    def cell_finished(
        self, cell: CompiledCell, count: int, seconds: float, error, status: str
    ) -> None:
        if status == "expected-error":
            log.warning(
                "%s: code cell %d raised %s: %s (expected: the cell is tagged raises-exception)",
                self._notebook.name, cell.cell.number, type(error).__name__, error_text(error),
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

    def __call__(self, step: Step, job_input: IJobInput) -> bool:
        notebook = self.notebook
        if not notebook.cells:
            log.warning(
                "%s has no code cells to run (%d code cells, all left out by tags or markers "
                "or empty). Nothing to execute; continuing with the next step.",
                notebook.name, notebook.code_cell_count,
            )
            return False
        injected = sum(1 for cell in notebook.cells if cell.cell.injected)
        log.info(
            "%s: starting, %d of %d code cells to run%s",
            notebook.name, len(notebook.cells) - injected, notebook.code_cell_count,
            ", plus the injected-parameters cell" if injected else "",
        )
        # The cells' module is `__main__` while they run, as in Jupyter: classes and functions
        # defined in a cell can be pickled, `if __name__ == "__main__":` blocks run.
        module = types.ModuleType("__main__")
        namespace: dict[str, Any] = module.__dict__
        namespace.update(__builtins__=builtins, job_input=job_input, display=display)
        listeners: list[CellListener] = [_ProgressLog(notebook)]
        report = None
        if self.report is not None:
            report = NotebookReport(notebook, self.report, self.job_name)
            listeners.append(report)
        job_dir = str(step.job_dir)
        sys.path.insert(0, job_dir)
        main_module = sys.modules.get("__main__")
        sys.modules["__main__"] = module
        try:
            summary = run_cells(
                notebook.name,
                notebook.cells,
                namespace,
                run_sql=job_input.execute_query,
                listeners=listeners,
                passthrough=(SkipRemainingStepsException,),
                io=report.io if report is not None else CellIO(),
                cell_timeout=self.cell_timeout,
            )
        except SkipRemainingStepsException:
            log.info("%s: skip_remaining_steps() called; the remaining cells and steps are skipped.", notebook.name)
            raise
        except NotebookError as e:
            log.error("%s: failed.\n%s", notebook.name, e.message())
            raise NotebookStepError(e) from None
        finally:
            if job_dir in sys.path:
                sys.path.remove(job_dir)
            if main_module is not None:
                sys.modules["__main__"] = main_module
            if report is not None:
                report.save()
        log.info("%s: finished, %d cells in %.3f s", notebook.name, summary.cells_run, summary.seconds)
        return True
