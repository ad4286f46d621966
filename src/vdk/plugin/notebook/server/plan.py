"""`POST plan`: what `vdk run` does with each code cell of the notebook in the editor.

The decision is the engine's own (`cells.decide_cells`, the function `vdk run` selects cells
with), applied to the notebook as the editor holds it, unsaved edits included. Nothing here
imports IPython or vdk-core, so the answer comes back within milliseconds.
"""
from __future__ import annotations

import pathlib
from typing import Any

from vdk.plugin.notebook.engine.cells import LEFT_OUT_REASONS
from vdk.plugin.notebook.engine.cells import code_cell_indices
from vdk.plugin.notebook.engine.cells import decide_cells
from vdk.plugin.notebook.server.paths import ApiError
from vdk.plugin.notebook.server.paths import job_of
from vdk.plugin.notebook.server.paths import resolve


def plan(root: pathlib.Path, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object: {\"path\": ..., \"notebook\": ...}.")
    notebook_path = resolve(root, body.get("path"))
    if notebook_path.suffix.lower() != ".ipynb":
        raise ApiError(400, f"'path' must name a notebook (.ipynb): {body.get('path')!r}.")
    cells = _cells(body.get("notebook"))
    job, note = job_of(root, notebook_path)
    if job is None:
        return {"job": None, "note": note, "cells": []}
    index_of = code_cell_indices(cells)
    decisions = decide_cells({"cells": cells})
    answer = []
    position = 0
    for decision in decisions:
        cell = cells[index_of[decision.number - 1]]
        runs = decision.cell is not None
        position += runs
        answer.append({
            "index": index_of[decision.number - 1],
            "id": cell.get("id"),
            "number": decision.number,
            "position": position if runs else None,
            "sql": bool(decision.cell and decision.cell.is_sql),
            "parameters": "parameters" in (cell["metadata"].get("tags") or ()),
            "left_out": not runs,
            "reason": decision.reason,
            "why": LEFT_OUT_REASONS.get(decision.reason or ""),
        })
    return {"job": job.as_json(), "note": None, "cells": answer}


def _cells(notebook: Any) -> list[dict[str, Any]]:
    """The notebook's cells, checked as far as the rules read them; metadata defaults to {}."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ApiError(400, "'notebook' must be the notebook's nbformat 4 JSON, with a 'cells' list.")
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ApiError(400, f"Cell {index} of 'notebook' is not an nbformat cell (no cell_type).")
        metadata = cell.get("metadata") or {}
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise ApiError(400, f"Cell {index} of 'notebook' has a source that is not text.")
        if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
            raise ApiError(400, f"Cell {index} of 'notebook' has tags that are not a list of strings.")
        cells.append({"cell_type": cell["cell_type"], "id": cell.get("id"), "source": source,
                      "metadata": {"tags": tags or []}})
    return cells
