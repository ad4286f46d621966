"""A notebook file made ready to run: read, checked, its cells chosen and compiled.

Everything that can be found wrong without running anything is found here, so `vdk run` can
refuse a broken notebook before the first step of the job changes any data.
"""
from __future__ import annotations

import pathlib
from typing import Any
from typing import NamedTuple

from vdk.plugin.notebook.cells import select_cells
from vdk.plugin.notebook.compiler import CompiledCell
from vdk.plugin.notebook.compiler import compile_cell
from vdk.plugin.notebook.consistency import warn_if_inconsistent
from vdk.plugin.notebook.errors import InvalidNotebookError
from vdk.plugin.notebook.errors import Location
from vdk.plugin.notebook.reader import read_notebook
from vdk.plugin.notebook.report import strip_outputs


class PreparedNotebook(NamedTuple):
    path: pathlib.Path
    cells: list[CompiledCell]
    code_cell_count: int
    metadata: dict[str, Any]
    # The notebook without its saved outputs, for the executed copy (report.py).
    skeleton: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name


def prepare_notebook(path: pathlib.Path) -> PreparedNotebook:
    """Read and check `path` and compile the cells that run; raise NotebookError if it cannot."""
    nb = read_notebook(path)
    _check_language(path, nb["metadata"])
    selected = select_cells(nb)
    warn_if_inconsistent(path, nb, selected)
    cells = [compile_cell(path, cell) for cell in selected]
    code_cells = sum(1 for cell in nb["cells"] if cell["cell_type"] == "code")
    return PreparedNotebook(path, cells, code_cells, nb["metadata"], strip_outputs(nb))


def _check_language(path: pathlib.Path, metadata: dict[str, Any]) -> None:
    # Metadata beyond the schema's required keys can hold anything; only a name counts.
    candidates = ((metadata.get("kernelspec") or {}).get("language"),
                  (metadata.get("language_info") or {}).get("name"))
    language = next((name for name in candidates if isinstance(name, str) and name), None)
    if language and language.lower() not in ("python", "python3"):
        raise InvalidNotebookError(
            f"The notebook is written for a {language} kernel; vdk run executes Python notebooks.",
            Location(path.name),
            "Rewrite it for a Python kernel, or move it out of the top level of the job folder.",
        )
