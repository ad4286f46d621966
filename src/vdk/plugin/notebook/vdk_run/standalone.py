"""vdk-core pieces that the Jupyter side needs outside `vdk run`, behind plain functions.

The Jupyter side (a kernel's `job_input`, `%%vdksql`) reaches vdk-core only through here, so that
what this package borrows from vdk-core is in one folder and changes there when vdk-core does.
"""
from __future__ import annotations

import pathlib
from typing import Any
from typing import Optional


def open_standalone_job(directory: pathlib.Path, arguments: Optional[dict]) -> Any:
    """A vdk-core StandaloneDataJob for `directory` (not yet entered): entering it configures and
    initialises the job as `vdk run` would, without running any step; leaving it finalises it."""
    from vdk.internal.builtin_plugins.run.standalone_data_job import StandaloneDataJob

    from vdk.plugin.notebook.vdk_run.hooks import KernelJobMarker

    return StandaloneDataJob(directory, job_args=arguments, extra_plugins=[KernelJobMarker()])


def substitute_sql_arguments(values: dict, sql: str) -> str:
    """`{name}` placeholders in `sql` replaced as `job_input.execute_query` replaces them."""
    from vdk.internal.builtin_plugins.run.sql_argument_substitutor import SqlArgumentSubstitutor

    return SqlArgumentSubstitutor(values).substitute(sql)


def job_input_attributes() -> list[str]:
    """The public names of VDK's job_input interface."""
    from vdk.api.job_input import IJobInput

    return sorted(name for name in dir(IJobInput) if not name.startswith("_"))


def configured_python_version(job_dir: pathlib.Path) -> Optional[str]:
    """`python_version` of the [job] section of the job's config.ini, read by vdk-core's own
    JobConfig, as `vdk deploy` reads it; None where there is none or the file is malformed
    (vdk-core reports a malformed config.ini itself, at job start)."""
    if not (job_dir / "config.ini").is_file():
        return None
    from vdk.internal.builtin_plugins.config.job_config import JobConfig

    try:
        value = JobConfig(job_dir).get_python_version().strip()
    except Exception:  # noqa: B902 - see docstring
        return None
    return value or None
