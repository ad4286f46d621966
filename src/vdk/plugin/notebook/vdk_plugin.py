"""The one module vdk-core loads from vdk-jupyter (entry point `vdk.plugin.run: notebook`), on
every `vdk` command: the hooks of `vdk run` (vdk_run/hooks.py) and the commands this package adds
to `vdk` (cli/), registered as one plugin. One, not two: vdk-core finds, registers and lists
every plugin module, with its distribution's version from pkg_resources, at the start of every
command; an empty one cost a small job about 4 million instructions, 0.4% (docs/performance.md).
A command's module is imported only when it runs or shows its help. tests/test_layout.py checks
that every hook of hooks.py is named here."""
from __future__ import annotations

import importlib

import click

# The hooks, as attributes of this module: pluggy registers the hook implementations it finds here.
from vdk.plugin.notebook.vdk_run.hooks import finalize_job  # noqa: F401
from vdk.plugin.notebook.vdk_run.hooks import hookimpl  # vdk-core's marker, reached through vdk_run
from vdk.plugin.notebook.vdk_run.hooks import initialize_job  # noqa: F401
from vdk.plugin.notebook.vdk_run.hooks import run_job  # noqa: F401
from vdk.plugin.notebook.vdk_run.hooks import run_step  # noqa: F401
from vdk.plugin.notebook.vdk_run.hooks import vdk_configure  # noqa: F401
from vdk.plugin.notebook.vdk_run.hooks import vdk_start  # noqa: F401


class LazyCommand(click.Command):
    """A click command whose definition (a click.Command in `module`, named `attribute`) is
    imported only when it runs or shows help: every other `vdk` command lists it and uses
    nothing of it."""

    def __init__(self, name: str, module: str, attribute: str) -> None:
        super().__init__(name)
        self._where = (module, attribute)

    def _real(self) -> click.Command:
        module, attribute = self._where
        return getattr(importlib.import_module(module), attribute)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        return ctx.command.invoke(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        return self._real().get_short_help_str(limit)


@hookimpl
def vdk_command_line(root_command: click.Group) -> None:
    root_command.add_command(
        LazyCommand("start-jupyter", "vdk.plugin.notebook.cli.start_jupyter", "start_jupyter"))
    root_command.add_command(LazyCommand("repair", "vdk.plugin.notebook.cli.repair", "repair"))
