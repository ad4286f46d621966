"""vdk-core pieces that the Jupyter side needs outside `vdk run`, behind plain functions.

The Jupyter side (a kernel's `job_input`, `%%vdksql`) reaches vdk-core only through here, so that
what this package borrows from vdk-core is in one folder and changes there when vdk-core does.
"""
from __future__ import annotations

import pathlib
from typing import Any
from typing import Optional

from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.core.context import CoreContext

from vdk.plugin.notebook.vdk_run.state_keys import KERNEL_JOB


class KernelJobMarker:
    """Loaded into a kernel's job as an extra plugin, to set KERNEL_JOB, and to keep the one
    line saying why the job's database cannot be reached (database_check.py) for the kernel to
    show, instead of vdk-core's traceback of it."""

    def __init__(self) -> None:
        self.failure: Optional[str] = None

    @hookimpl
    def vdk_initialize(self, context: CoreContext) -> None:
        context.state.set(KERNEL_JOB, True)

    @hookimpl
    def vdk_exception(self, exception: Exception) -> bool:
        from vdk.plugin.notebook.vdk_run.database_check import DatabaseUnreachableError

        if isinstance(exception, DatabaseUnreachableError):
            self.failure = exception.message
            return True  # said by the kernel (kernel_job.py); no traceback in the log
        return False


def open_standalone_job(directory: pathlib.Path, arguments: Optional[dict],
                        marker: Optional[KernelJobMarker] = None) -> Any:
    """A vdk-core StandaloneDataJob for `directory` (not yet entered): entering it configures and
    initialises the job as `vdk run` would, without running any step; leaving it finalises it."""
    from vdk.internal.builtin_plugins.run.standalone_data_job import StandaloneDataJob

    return StandaloneDataJob(directory, job_args=arguments,
                             extra_plugins=[marker or KernelJobMarker()])


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
    from vdk.plugin.notebook.job.folder import is_job_folder  # not loaded by every `vdk` command

    if not is_job_folder(job_dir):
        return None
    from vdk.internal.builtin_plugins.config.job_config import JobConfig

    try:
        value = JobConfig(job_dir).get_python_version().strip()
    except Exception:  # noqa: BLE001 - see docstring
        return None
    return value or None
