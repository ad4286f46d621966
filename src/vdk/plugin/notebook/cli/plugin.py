"""Registers this package's `vdk` commands. Loaded by vdk-core on every `vdk` command (entry point
`vdk.plugin.run: notebook-commands`), so it stays cheap: each command's module is imported only
when that command runs or shows its help."""
from __future__ import annotations

import importlib

import click

from vdk.plugin.notebook.vdk_run.hooks import hookimpl  # vdk-core's marker, reached through vdk_run


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
