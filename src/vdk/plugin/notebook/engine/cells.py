"""Which cells of a notebook run, and as what.

The rules live in `select_cells` alone, and the README's table mirrors it. A user's notebook mixes
exploration with production code; these rules are how they tell the two apart.
"""
from __future__ import annotations

import re
from typing import Any
from typing import Mapping
from typing import NamedTuple
from typing import Optional
from typing import Sequence


SKIP_TAGS = frozenset({"non-vdk", "skip-execution"})
ONLY_TAG = "vdk"
MAY_RAISE_TAG = "raises-exception"
_SKIP_FIRST_LINE = r"^\s*(%%\s*non-vdk|#\s*non-vdk)\s*$"
_SQL_FIRST_LINE = r"^\s*%%vdksql\b"


class Cell(NamedTuple):
    """A code cell chosen to run. `number` counts code cells from 1, as the user sees them; an
    injected-parameters cell (parameters.py) has the number of the cell it follows (0: top)."""

    number: int
    cell_id: Optional[str]
    source: str
    tags: frozenset
    is_sql: bool
    injected: bool = False

    @property
    def label(self) -> str:
        """How messages name the cell: as the user finds it in the notebook."""
        if self.injected:  # not in the file: its number is that of the cell it follows
            return "the injected-parameters cell"
        return cell_label(self.number, self.cell_id)

    @property
    def may_raise(self) -> bool:
        return MAY_RAISE_TAG in self.tags

    @property
    def body(self) -> str:
        """The code to run: for an SQL cell, the source after its `%%vdksql` line."""
        if not self.is_sql:
            return self.source
        return "\n".join(self.source.split("\n")[self.body_first_line - 1:])

    @property
    def body_first_line(self) -> int:
        return first_line(self.source)[0] + 1 if self.is_sql else 1


def first_line(source: str) -> tuple[int, str]:
    """The first non-blank line and its number: where IPython, and so Jupyter, looks for a cell
    magic such as `%%vdksql`, and where the non-vdk marker goes."""
    end = source.find("\n")
    line = source if end < 0 else source[:end]
    if line.strip():  # the usual case, without splitting the whole cell
        return 1, line
    for number, line in enumerate(source.split("\n"), start=1):
        if line.strip():
            return number, line
    return 1, ""


def cell_label(number: int, cell_id: Optional[str] = None) -> str:
    """`code cell N (id X)`: the one way every message names a code cell."""
    return f"code cell {number}" + (f" (id {cell_id})" if cell_id else "")


def code_cell_indices(cells: Sequence[Mapping[str, Any]]) -> list[int]:
    """Where each code cell is among all `cells` of a notebook: code cell N (numbered as in
    numbered_code_cells) is `cells[code_cell_indices(cells)[N - 1]]`. The one place that maps a
    code cell's number, which messages and run events name, to its index, which JupyterLab
    finds a cell by: the executed notebook, the run events and the server's plan all use it."""
    return [index for index, cell in enumerate(cells) if cell.get("cell_type") == "code"]


def numbered_code_cells(nb: dict) -> list[tuple[int, dict]]:
    """The code cells of an nbformat 4 notebook with their numbers, counted from 1 down the
    notebook as a user counts them; every cell number in a message comes from here."""
    cells = nb["cells"]
    return [(number, cells[index])
            for number, index in enumerate(code_cell_indices(cells), start=1)]


def source_text(source: Any) -> str:
    return source if isinstance(source, str) else "".join(source)


class Decision(NamedTuple):
    """What `vdk run` does with one code cell: `cell` if it runs, else why not (`reason`, one of
    LEFT_OUT_REASONS). The JupyterLab extension shows these beside each cell."""

    number: int
    cell: Optional[Cell]
    reason: Optional[str] = None


# Why a code cell is left out (Decision.reason, decided by decide_cells alone), in the words
# the JupyterLab extension shows beside the cell...
LEFT_OUT_REASONS = {
    "tag non-vdk": "tagged non-vdk: Jupyter runs it, vdk run leaves it out",
    "tag skip-execution": "tagged skip-execution: vdk run leaves it out",
    "marker": "its first line is a non-vdk marker: Jupyter runs it, vdk run leaves it out",
    "empty": "no code to run",
    "vdk-only mode": "another cell is tagged vdk, so only cells tagged vdk run",
}
# ... and in the note the executed notebook (report.py) puts in the cell.
LEFT_OUT_NOTES = {
    "tag non-vdk": "tagged non-vdk",
    "tag skip-execution": "tagged skip-execution",
    "marker": "marked non-vdk on its first line",
    "empty": "nothing to run",
    "vdk-only mode": "not tagged vdk, while other cells of the notebook are",
}


def select_cells(nb: dict) -> list[Cell]:
    """The cells of an nbformat 4 notebook that `vdk run` executes, in notebook order."""
    return [decision.cell for decision in decide_cells(nb) if decision.cell is not None]


def decide_cells(nb: dict) -> list[Decision]:
    """For every code cell of an nbformat 4 notebook, in order: does `vdk run` run it, and if not,
    why. The one place of the rules."""
    code_cells = [
        (number, cell, frozenset(cell["metadata"].get("tags") or ()))
        for number, cell in numbered_code_cells(nb)
    ]
    only_tagged = any(ONLY_TAG in tags for _, _, tags in code_cells)
    decisions = []
    for number, cell, tags in code_cells:
        source = source_text(cell["source"])
        _, first = first_line(source)
        skipping = tags & SKIP_TAGS
        skip_tag = min(skipping) if skipping else None
        if skip_tag or ("non-vdk" in first and re.match(_SKIP_FIRST_LINE, first)):
            decisions.append(Decision(number, None, f"tag {skip_tag}" if skip_tag else "marker"))
            continue
        if only_tagged and ONLY_TAG not in tags:
            decisions.append(Decision(number, None, "vdk-only mode"))
            continue
        is_sql = "%%vdksql" in first and bool(re.match(_SQL_FIRST_LINE, first))
        chosen = Cell(number, cell.get("id"), source, tags, is_sql)
        if chosen.body.strip():  # an empty cell, or a %%vdksql cell without a query
            decisions.append(Decision(number, chosen))
        else:
            decisions.append(Decision(number, None, "empty"))
    return decisions
