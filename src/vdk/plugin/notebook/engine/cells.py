"""Which cells of a notebook run, and as what.

The rules live in `select_cells` alone, and the README's table mirrors it. A user's notebook mixes
exploration with production code; these rules are how they tell the two apart.
"""
from __future__ import annotations

import re
from typing import Any
from typing import NamedTuple
from typing import Optional

SKIP_TAGS = frozenset({"non-vdk", "skip-execution"})
ONLY_TAG = "vdk"
MAY_RAISE_TAG = "raises-exception"
_SKIP_FIRST_LINE = re.compile(r"^\s*(%%\s*non-vdk|#\s*non-vdk)\s*$")
_SQL_FIRST_LINE = re.compile(r"^\s*%%vdksql\b")


class Cell(NamedTuple):
    """A code cell chosen to run. `number` counts code cells from 1, as the user sees them; an
    injected-parameters cell (parameters.py) has the number of the cell it follows (0: top).
    A NamedTuple rather than a frozen dataclass, whose definition is measurably slower at import
    (see the benchmark)."""

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
    for number, line in enumerate(source.split("\n"), start=1):
        if line.strip():
            return number, line
    return 1, ""


def cell_label(number: int, cell_id: Optional[str] = None) -> str:
    """`code cell N (id X)`: the one way every message names a code cell."""
    return f"code cell {number}" + (f" (id {cell_id})" if cell_id else "")


def numbered_code_cells(nb: dict) -> list[tuple[int, dict]]:
    """The code cells of an nbformat 4 notebook with their numbers, counted from 1 down the
    notebook as a user counts them; every cell number in a message comes from here."""
    code_cells = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    return list(enumerate(code_cells, start=1))


def source_text(source: Any) -> str:
    return source if isinstance(source, str) else "".join(source)


def select_cells(nb: dict) -> list[Cell]:
    """The cells of an nbformat 4 notebook that `vdk run` executes, in notebook order."""
    code_cells = [
        (number, cell, frozenset(cell["metadata"].get("tags") or ()))
        for number, cell in numbered_code_cells(nb)
    ]
    only_tagged = any(ONLY_TAG in tags for _, _, tags in code_cells)
    selected = []
    for number, cell, tags in code_cells:
        source = source_text(cell["source"])
        _, first = first_line(source)
        if tags & SKIP_TAGS or _SKIP_FIRST_LINE.match(first):
            continue
        if only_tagged and ONLY_TAG not in tags:
            continue
        chosen = Cell(number, cell.get("id"), source, tags, bool(_SQL_FIRST_LINE.match(first)))
        if chosen.body.strip():  # an empty cell, or a %%vdksql cell without a query
            selected.append(chosen)
    return selected
