"""The plugin's configuration options: declared for `vdk config-help`, read once per job run."""
from __future__ import annotations

from typing import Any
from typing import NamedTuple
from typing import Optional

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
    report: bool
    report_directory: str  # "": the default, under VDK's temporary write directory
    temporary_directory: Optional[str]
    report_html: bool
    report_output_limit: int
    cell_timeout: Optional[float]  # None: no limit


def read(configuration: Any) -> RunOptions:
    """The options of this run, from vdk-core's configuration."""
    return RunOptions(
        report=bool(configuration.get_value(REPORT)),
        report_directory=configuration.get_value(REPORT_DIRECTORY) or "",
        temporary_directory=configuration.get_value("TEMPORARY_WRITE_DIRECTORY"),
        report_html=bool(configuration.get_value(REPORT_HTML)),
        report_output_limit=configuration.get_value(REPORT_OUTPUT_LIMIT),
        cell_timeout=configuration.get_value(CELL_TIMEOUT) or None,
    )
