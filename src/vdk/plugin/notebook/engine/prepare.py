"""A notebook file made ready to run: read, checked, its cells chosen, compiled and given the
job's arguments.

Everything that can be found wrong without running anything is found here, so `vdk run` can
refuse a broken notebook before the first step of the job changes any data. The path is one way:
read -> check -> choose -> compile -> parameters.
"""
from __future__ import annotations

import hashlib
import json

import pathlib
from typing import Any
from typing import NamedTuple
from typing import Optional
from typing import Sequence

from vdk.plugin.notebook.engine.cells import code_cell_indices
from vdk.plugin.notebook.engine.cells import numbered_code_cells
from vdk.plugin.notebook.engine.cells import select_cells
from vdk.plugin.notebook.engine.compiler import CompiledCell
from vdk.plugin.notebook.engine.compiler import CompileSource
from vdk.plugin.notebook.engine.compiler import compile_cell
from vdk.plugin.notebook.engine.last_expression import compile_keeping_result
from vdk.plugin.notebook.engine.consistency import warn_if_inconsistent
from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.language import check_language
from vdk.plugin.notebook.engine.errors import shown
from vdk.plugin.notebook.engine.reader import read_notebook
from vdk.plugin.notebook.engine.secrets_mask import DEFAULT_SECRET_NAMES


class PreparedNotebook(NamedTuple):
    path: pathlib.Path
    cells: list[CompiledCell]
    code_cell_count: int
    # The notebook without its saved outputs: what the executed copy (report.py) starts from.
    # Kept instead of the notebook itself so the outputs of a large notebook do not stay in
    # memory during the run.
    skeleton: dict[str, Any]
    # What the notebook runs, as code_fingerprint() gives it: a run's record keeps it so that a
    # repair can tell a changed notebook from one only saved again with new outputs.
    fingerprint: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def label(self) -> str:
        """The file name as log lines show it (errors.shown)."""
        return shown(self.path.name)

    @property
    def injected_cells(self) -> int:
        return sum(1 for compiled in self.cells if compiled.cell.injected)


def prepare_notebook(
    path: pathlib.Path, arguments: Any = None, python_version: Optional[str] = None,
    secret_words: Sequence[str] = DEFAULT_SECRET_NAMES,
    compile_source: CompileSource = compile_keeping_result,
) -> PreparedNotebook:
    """Read and check `path`, compile the cells that run and inject `arguments` (the parsed
    --arguments JSON); raise NotebookError if it cannot run. `python_version` is the one the
    job deploys with, for a warning when the notebook was last run with another;
    `compile_source` compiles each cell (a code_cache.CodeCache keeps them between runs)."""
    nb = read_notebook(path, outputs=False)  # the saved outputs are dropped below
    check_language(path, nb["metadata"])
    selected = select_cells(nb)
    warn_if_inconsistent(path, nb, selected, python_version)
    try:
        cells = [compile_cell(path, cell, compile_source) for cell in selected]
        if arguments:  # parameters.py is imported only by a run with arguments
            from vdk.plugin.notebook.engine.parameters import inject_parameters

            cells = inject_parameters(path, nb, cells, arguments, secret_words)
    except NotebookError as error:
        indices, number = code_cell_indices(nb["cells"]), error.location.cell_number
        if number is not None and 0 < number <= len(indices):
            error.cell_index = indices[number - 1]
        raise
    skeleton = {"cells": [blank_cell(cell) for cell in nb["cells"]], "metadata": nb["metadata"],
                "nbformat": 4, "nbformat_minor": nb.get("nbformat_minor", 5)}
    return PreparedNotebook(path, cells, len(numbered_code_cells(nb)), skeleton, code_fingerprint(nb))


def code_fingerprint(nb: dict[str, Any]) -> str:
    """A short hash of the sources and tags of a notebook's code cells: what a run of it runs.
    Outputs, execution counts and markdown cells leave it unchanged."""
    code = [[cell.get("source"), (cell.get("metadata") or {}).get("tags")]
            for cell in nb["cells"] if cell.get("cell_type") == "code"]
    return hashlib.sha256(json.dumps(code).encode("utf-8")).hexdigest()[:16]


def blank_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """A copy of `cell` as it stands before it runs: code cells without outputs or count."""
    cell = {key: value for key, value in cell.items() if key != "outputs"}
    cell["metadata"] = dict(cell.get("metadata") or {})
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    return cell
