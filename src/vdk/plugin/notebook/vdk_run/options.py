"""The plugin's configuration options: declared for `vdk config-help`, read once per job run."""
from __future__ import annotations

import math
from typing import Any
from typing import Optional

from vdk.plugin.notebook.engine.record import Record
from vdk.plugin.notebook.engine.secrets_mask import DEFAULT_SECRET_NAMES
from vdk.plugin.notebook.engine.secrets_mask import secret_names

REPORT = "NOTEBOOK_REPORT"
REPORT_DIRECTORY = "NOTEBOOK_REPORT_DIRECTORY"
REPORT_HTML = "NOTEBOOK_REPORT_HTML"
REPORT_OUTPUT_LIMIT = "NOTEBOOK_REPORT_OUTPUT_LIMIT"
CELL_TIMEOUT = "NOTEBOOK_CELL_TIMEOUT"
SECRET_NAMES = "NOTEBOOK_SECRET_NAMES"


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
    config_builder.add(
        SECRET_NAMES, ",".join(DEFAULT_SECRET_NAMES), True,
        "Comma-separated words: job arguments whose names contain one of them (any case) have "
        "their values masked in executed notebooks and their HTML copies; the cells still get "
        "the real values. Empty: mask nothing. Keep real secrets in VDK's secrets "
        "(job_input.get_secret) rather than in arguments.",
    )


class RunOptions(Record):
    __slots__ = ()

    report: bool
    report_directory: str  # "": the default, under VDK's temporary write directory
    temporary_directory: Optional[str]
    report_html: bool
    report_output_limit: int
    cell_timeout: Optional[float]  # None: no limit
    secret_words: tuple[str, ...]


class InvalidOption(ValueError):
    """An option set to a value the plugin cannot use: which option, what it holds, what it
    takes. A user error found at job start, before any step runs."""

    def __init__(self, key: str, value: Any, allowed: str):
        self.key = key
        super().__init__(
            f"The option {key} is set to {value!r}; it takes {allowed}.\n"
            f"Set it in the job's config.ini [vdk] section or as the environment variable "
            f"VDK_{key}, or leave it unset for the default."
        )


def read(configuration: Any) -> RunOptions:
    """The options of this run, from vdk-core's configuration; InvalidOption for a value out
    of range (NaN, infinity, a negative number)."""
    timeout = _number(configuration, CELL_TIMEOUT, float, "a number of seconds, 0 or more "
                      "(0: no limit)")
    return RunOptions(
        report=bool(configuration.get_value(REPORT)),
        report_directory=configuration.get_value(REPORT_DIRECTORY) or "",
        temporary_directory=configuration.get_value("TEMPORARY_WRITE_DIRECTORY"),
        report_html=bool(configuration.get_value(REPORT_HTML)),
        report_output_limit=int(_number(configuration, REPORT_OUTPUT_LIMIT, int,
                                        "a whole number of characters, 0 or more")),
        cell_timeout=timeout or None,
        secret_words=secret_names(configuration.get_value(SECRET_NAMES)),
    )


def _number(configuration: Any, key: str, kind: type, allowed: str) -> float:
    value = configuration.get_value(key)
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidOption(key, value, allowed) from None
    if not math.isfinite(number) or number < 0:
        raise InvalidOption(key, value, allowed)
    return number
