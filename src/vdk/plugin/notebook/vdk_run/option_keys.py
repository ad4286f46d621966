"""The plugin's configuration options: their keys, defaults and help, declared on every `vdk`
command (hooks.vdk_configure) and read once per job run (options.py)."""
from __future__ import annotations

from typing import Any

from vdk.plugin.notebook.engine.secrets_mask import DEFAULT_SECRET_NAMES

REPORT = "NOTEBOOK_REPORT"
REPORT_DIRECTORY = "NOTEBOOK_REPORT_DIRECTORY"
REPORT_HTML = "NOTEBOOK_REPORT_HTML"
REPORT_OUTPUT_LIMIT = "NOTEBOOK_REPORT_OUTPUT_LIMIT"
CELL_TIMEOUT = "NOTEBOOK_CELL_TIMEOUT"
SECRET_NAMES = "NOTEBOOK_SECRET_NAMES"
DATABASE_WAIT = "NOTEBOOK_DATABASE_WAIT"
DEFAULT_SECRET_WORDS = ",".join(DEFAULT_SECRET_NAMES)


def declare_options(config_builder: Any) -> None:
    """Declared on every command (hooks.vdk_configure): `vdk config-help` lists them."""
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
        SECRET_NAMES, DEFAULT_SECRET_WORDS, True,
        "Comma-separated words: job arguments whose names contain one of them (any case) have "
        "their values masked in executed notebooks and their HTML copies; the cells still get "
        "the real values. Empty: mask nothing. Keep real secrets in VDK's secrets "
        "(job_input.get_secret) rather than in arguments.",
    )
    config_builder.add(
        DATABASE_WAIT, 5.0, True,
        "For a job whose database is PostgreSQL (db_default_type = POSTGRES): before the first "
        "step, vdk-jupyter connects once, so that a wrong password or a server that is down is "
        "said in one line at once, instead of after vdk-core's connection retries (minutes). A "
        "refused wrong password or unknown database fails at once; a server that refuses "
        "connections or is starting up is tried again for this many seconds. Negative: no check.",
    )
