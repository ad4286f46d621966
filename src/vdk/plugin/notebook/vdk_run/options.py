"""The plugin's configuration options, read once per job run (declared in option_keys.py on
every `vdk` command)."""
from __future__ import annotations

import math
from typing import Any
from typing import NamedTuple
from typing import Optional

from vdk.plugin.notebook.engine.secrets_mask import secret_names
from vdk.plugin.notebook.vdk_run.option_keys import CELL_TIMEOUT
from vdk.plugin.notebook.vdk_run.option_keys import REPORT
from vdk.plugin.notebook.vdk_run.option_keys import REPORT_DIRECTORY
from vdk.plugin.notebook.vdk_run.option_keys import REPORT_HTML
from vdk.plugin.notebook.vdk_run.option_keys import REPORT_OUTPUT_LIMIT
from vdk.plugin.notebook.vdk_run.option_keys import SECRET_NAMES


class RunOptions(NamedTuple):
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
