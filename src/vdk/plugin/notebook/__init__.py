"""vdk-jupyter: notebooks as steps of `vdk run`, and `job_input` in Jupyter.

Importing this package must stay cheap: vdk-core imports its plugin module on every `vdk`
command, and IPython imports the package for `%load_ext vdk.plugin.notebook`. So the IPython
entry points below only delegate, importing the extension when a kernel loads it.
"""
from __future__ import annotations

from typing import Any


def load_ipython_extension(ipython: Any) -> None:
    from vdk.plugin.notebook.kernel.extension import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from vdk.plugin.notebook.kernel.extension import unload_ipython_extension as unload

    unload(ipython)
