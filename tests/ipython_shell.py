"""An IPython shell of this process with the extension loaded, as a kernel with
`%load_ext vdk.plugin.notebook` has it (the fixtures of the magics' tests share it)."""
from __future__ import annotations

from typing import Iterator

from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


def shell_with_extension() -> Iterator[InteractiveShell]:
    """Yields the shell (no history file written); unloads the extension after."""
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell(config=config)
    shell.run_line_magic("load_ext", "vdk.plugin.notebook")
    yield shell
    shell.run_line_magic("unload_ext", "vdk.plugin.notebook")
