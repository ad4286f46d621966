"""Job arguments of a run started from JupyterLab, read from a file only this process can read.

`vdk run --arguments '<json>'` puts them on the command line, which every local user can read
(`ps`, /proc/<pid>/cmdline): a `db_password` argument would be public on a shared machine. The
Jupyter server (server/runs.py) instead hands `vdk run` an unlinked temporary file as an open
descriptor, named by VDK_NOTEBOOK_ARGUMENTS_FILE; this plugin, loaded only then
(hooks.vdk_start), reads it before anything else runs and gives the arguments to the job as
`--arguments` would, before any other plugin's initialize_job reads them.
"""
from __future__ import annotations

import json
import os
from typing import Any

from vdk.api.plugin.hook_markers import hookimpl
from vdk.internal.builtin_plugins.run.job_context import JobContext

from vdk.plugin.notebook.job import ARGUMENTS_FILE_VARIABLE


_NOT_GIVEN = object()


def _read() -> Any:
    # Taken out of the environment: a `vdk run` started by a cell does not get them.
    name = os.environ.pop(ARGUMENTS_FILE_VARIABLE, None)
    if name is None:
        return _NOT_GIVEN
    prefix = "/dev/fd/"
    if name.startswith(prefix) and name[len(prefix):].isdigit():
        fd = int(name[len(prefix):])
        os.lseek(fd, 0, os.SEEK_SET)
        with os.fdopen(fd, "rb") as file:
            return json.loads(file.read().decode("utf-8"))
    with open(name, "rb") as file:
        return json.loads(file.read().decode("utf-8"))


# Read once, when vdk_start loads this plugin: before any other plugin reads the arguments.
_ARGUMENTS = _read()


def given() -> bool:
    """Whether the server handed this process arguments (commands that plan with them, such
    as `vdk repair`, read them with value())."""
    return _ARGUMENTS is not _NOT_GIVEN


def value() -> Any:
    return None if _ARGUMENTS is _NOT_GIVEN else _ARGUMENTS


@hookimpl(tryfirst=True)
def initialize_job(context: JobContext) -> None:
    """The arguments in the job's arguments object, which job_input reads them from."""
    if not given():
        return
    job_args = context.job_args
    if not hasattr(job_args, "arguments"):
        raise RuntimeError(
            "vdk-jupyter cannot pass job arguments to this version of vdk-core (its job "
            "arguments have no `arguments` field). Upgrade vdk-core, or run the job with "
            "`vdk run --arguments` from a terminal.")
    job_args.arguments = _ARGUMENTS
