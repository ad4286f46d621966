"""The plugin's configuration options: declared for `vdk config-help`, read once per job run."""
from __future__ import annotations

import logging
import pathlib
from typing import Any
from typing import NamedTuple
from typing import Optional

log = logging.getLogger(__name__)

REPORT = "NOTEBOOK_REPORT"
REPORT_DIRECTORY = "NOTEBOOK_REPORT_DIRECTORY"
REPORT_HTML = "NOTEBOOK_REPORT_HTML"
REPORT_OUTPUT_LIMIT = "NOTEBOOK_REPORT_OUTPUT_LIMIT"
CELL_TIMEOUT = "NOTEBOOK_CELL_TIMEOUT"


def declare(config_builder: Any) -> None:
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


class RunOptions(NamedTuple):
    report: Optional[Any]  # report.ReportOptions, or None when no executed notebook is written
    cell_timeout: Optional[float]


def read(context: Any) -> RunOptions:
    """The options of this run, from a vdk-core JobContext."""
    from vdk.plugin.notebook.report import ReportOptions
    from vdk.plugin.notebook.report import run_folder

    config = context.core_context.configuration
    timeout = config.get_value(CELL_TIMEOUT) or None
    if not config.get_value(REPORT):
        return RunOptions(None, timeout)
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
    return RunOptions(ReportOptions(folder, limit, bool(config.get_value(REPORT_HTML))), timeout)
