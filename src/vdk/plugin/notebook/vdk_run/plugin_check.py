"""Which installed VDK plugin failed to load, and what to install: vdk-core only says "Plugin
load failed" with the import error, and every `vdk` command and every kernel `job_input` then
fails. The usual cause is a pair of packages whose versions do not fit (a vdk-plugin-control-cli
newer than the vdk-control-cli that pip could install beside JupyterHub's pydantic 2), which
reinstalling the package that failed, or the extra that pins the pair, fixes.

Plain importlib.metadata: it runs only after loading has failed, and may not rely on vdk-core.
"""
from __future__ import annotations

import importlib.metadata
from typing import Iterator
from typing import Optional

PLUGIN_GROUP = "vdk.plugin.run"


def plugin_load_failure(error: BaseException) -> Optional[str]:
    """A message naming the plugin and package that cannot be imported, and what to do, if
    `error` (or what caused it) is an import error of an installed VDK plugin; else None."""
    if not any(isinstance(e, ImportError) for e in _chain(error)):
        return None
    for dist in importlib.metadata.distributions():
        for entry_point in dist.entry_points:
            if entry_point.group != PLUGIN_GROUP:
                continue
            try:
                entry_point.load()
            except ImportError as failure:
                return _message(entry_point.name, dist, failure)
    return None


def _message(plugin: str, dist: importlib.metadata.Distribution, failure: ImportError) -> str:
    package = f"{dist.metadata['Name']} {dist.version}"
    provider = _provider(failure.name or "")
    mismatch = (f", which the installed {provider} does not have: the two versions do not fit"
                if provider and not provider.startswith(dist.metadata["Name"] + " ") else "")
    return (f"The VDK plugin {plugin!r} of package {package} cannot be loaded "
            f"({type(failure).__name__}: {failure}){mismatch}, so no VDK command works. "
            f"Install versions that fit: pip install \"vdk-jupyter[jupyter]\" installs a pair "
            f"that does, with or without JupyterHub (docs/jupyterhub.md); or remove the plugin: "
            f"pip uninstall {dist.metadata['Name']}. Then restart the kernel.")


def _provider(module: str) -> Optional[str]:
    """The installed distribution holding the deepest existing package of `module`
    ("vdk-control-cli 1.3.864600569" for vdk.internal.control.command_groups.job.secrets)."""
    parts = module.split(".")
    for depth in range(len(parts) - 1, 2, -1):
        folder = "/".join(parts[:depth]) + "/"
        for dist in importlib.metadata.distributions():
            if any(str(f).startswith(folder) for f in dist.files or ()):
                return f"{dist.metadata['Name']} {dist.version}"
    return None


def _chain(error: Optional[BaseException]) -> Iterator[BaseException]:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__
