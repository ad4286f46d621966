"""The set-up cell of the older vdk-ipython extension, accepted in a kernel with this extension.

Notebooks written for vdk-ipython start with
    %reload_ext vdk.plugin.ipython
    %reload_VDK
    job_input = VDK.get_initialized_job_input()
`vdk run` drops these lines (engine/compiler.py). In Jupyter, with this extension loaded (the
"VDK (Python 3)" kernel loads it at start), they run too, without vdk-ipython installed:
loading `vdk.plugin.ipython` is skipped when that package is absent, `%reload_VDK` accepts its
options and changes nothing (use `%vdk` to pick a job or arguments), and `VDK` hands out this
extension's own `job_input`. Where vdk-ipython is installed, its own extension loads as before.
"""
from __future__ import annotations

import importlib.util
import re
from typing import Any
from typing import Callable

_OLD_LOAD = re.compile(r"^[ \t]*%(load_ext|reload_ext)[ \t]+(vdk\.plugin\.ipython|vdk_ipython)[ \t]*$")


class OldVdk:
    """`VDK` of vdk-ipython: its get_initialized_job_input() gives this extension's job_input."""

    def __init__(self, job_input: Callable[[], Any]):
        self._job_input = job_input

    def get_initialized_job_input(self) -> Any:
        return self._job_input()

    def __repr__(self) -> str:
        return "VDK (vdk-ipython compatibility: use job_input directly, and %vdk to pick a job)"


def install(shell: Any, job_input: Callable[[], Any]) -> None:
    """Make the old set-up cell run in `shell`."""
    if _old_extension_installed():
        return
    shell.input_transformers_cleanup.append(skip_old_load)
    shell.register_magic_function(reload_vdk, magic_kind="line", magic_name="reload_VDK")
    shell.user_ns["VDK"] = OldVdk(job_input)


def uninstall(shell: Any) -> None:
    if skip_old_load in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(skip_old_load)
    shell.magics_manager.magics["line"].pop("reload_VDK", None)
    if isinstance(shell.user_ns.get("VDK"), OldVdk):
        del shell.user_ns["VDK"]


def skip_old_load(lines: list[str]) -> list[str]:
    """Blank `%reload_ext vdk.plugin.ipython` lines (kept as blank lines for line numbers)."""
    return ["\n" if _OLD_LOAD.match(line) else line for line in lines]


def reload_vdk(line: str) -> None:
    """vdk-ipython's `%reload_VDK [--name ...] [--path ...] [--arguments ...]`: accepted, and
    ignored; this extension's job_input is the job whose folder holds the notebook. Use %vdk
    (--path, --arguments) to change it."""
    if line.strip():
        print("%reload_VDK: options are ignored; use %vdk --path DIR / --arguments JSON to pick "
              "the job or its arguments (%vdk --help).")


def _old_extension_installed() -> bool:
    try:
        return importlib.util.find_spec("vdk.plugin.ipython") is not None
    except (ImportError, ValueError):
        return False
