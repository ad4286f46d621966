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


class PreparedNotebook(NamedTuple):
    path: pathlib.Path
    cells: list[CompiledCell]
    code_cell_count: int
    # The notebook without its saved outputs: what the executed copy (report.py) starts from and
    # where parameters.py finds the parameters cell. Kept instead of the notebook itself so the
    # outputs of a large notebook do not stay in memory during the run.
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
    skeleton = {"cells": [blank_cell(cell) for cell in nb["cells"]], "metadata": nb["metadata"],
                "nbformat": 4, "nbformat_minor": nb.get("nbformat_minor", 5)}
    return PreparedNotebook(path, cells, code_cells, skeleton)


def blank_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """A copy of `cell` as it stands before it runs: code cells without outputs or count."""
    cell = {key: value for key, value in cell.items() if key != "outputs"}
    cell["metadata"] = dict(cell.get("metadata") or {})
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    return cell


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
