"""Turning a cell's source into code that runs, before anything runs.

Compiling every cell when the job is initialised means a syntax error in the last notebook stops
the job before the first step touches a database. Each cell is compiled under its own file name
(its source is registered in linecache while it runs, see process_state.cell_sources, so
tracebacks show the cell's lines), and the file name holds the notebook's path, so VDK's own
classifier also sees user code. Cells with IPython syntax
(magics, `!shell`) are rewritten by IPython's input transformer; plain Python cells never import
IPython.
"""
from __future__ import annotations

import logging
import pathlib
import re
from types import CodeType
from typing import NamedTuple
from typing import Optional

from vdk.plugin.notebook.engine.last_expression import compile_keeping_result
from vdk.plugin.notebook.engine.cells import Cell
from vdk.plugin.notebook.engine.cells import cell_label
from vdk.plugin.notebook.engine.cells import first_line
from vdk.plugin.notebook.engine.errors import CellFailedError
from vdk.plugin.notebook.engine.errors import Location
from vdk.plugin.notebook.engine.ipython_available import TO_DO
from vdk.plugin.notebook.engine.patterns import LazyPattern

log = logging.getLogger(__name__)

# A line that starts with a magic or !shell, also as the right side of an assignment (`x = !ls`).
_IPYTHON_SYNTAX = LazyPattern(
    r"^[ \t]*(?:[\w.,()\[\] \t]+?=[ \t]*)?[%!]|\bget_ipython\b", re.MULTILINE
)
# Lines for the Jupyter extension only: loading it, and `%vdk`, which points a kernel's job_input
# at a job. Under vdk run the notebook already has the run's job_input.
_OWN_EXTENSION = LazyPattern(
    r"^[ \t]*(%(load_ext|reload_ext)[ \t]+vdk\.plugin\.notebook[ \t]*|%vdk(?![\w.]).*)$",
    re.MULTILINE,
)
_INSTALL = LazyPattern(
    r"^[ \t]*(%(pip|conda|mamba|micromamba)|!.*\b(pip[\d.]*|conda|mamba|micromamba))\s+"
    r"(install|uninstall|remove)\b.*$",
    re.MULTILINE,
)
# A cell run by a shell (%%bash, %%sh, %%script ...): any of its lines may install.
_SHELL_CELL = LazyPattern(r"\A\s*%%(bash|sh|script|system|sx)\b")
_SHELL_INSTALL = LazyPattern(
    r"^.*\b(pip[\d.]*|conda|mamba|micromamba)\s+(install|uninstall|remove)\b.*$", re.MULTILINE
)


class CompiledCell(NamedTuple):
    cell: Cell
    filename: str
    code: Optional[CodeType]  # None for SQL cells
    needs_ipython: bool
    # The code leaves the value of the cell's last expression in the namespace under
    # last_expression.RESULT_NAME, for the report to show it as Jupyter does.
    shows_result: bool = False

    def location(self, notebook: str, line: Optional[int] = None) -> Location:
        text = None
        if line is not None:
            lines = self.cell.source.splitlines()
            text = lines[line - 1] if 0 < line <= len(lines) else None
        return Location(notebook, self.cell.number, self.cell.cell_id, line, text)


def cell_filename(path: pathlib.Path, cell: Cell) -> str:
    return f"{path} [code cell {cell.number}]"


def compile_cell(path: pathlib.Path, cell: Cell) -> CompiledCell:
    """Compile one selected cell, or raise CellFailedError saying where and why."""
    filename = cell_filename(path, cell)
    if cell.is_sql:
        return CompiledCell(cell, filename, None, False)
    source, syntax = cell.source, None
    # Every pattern below needs one of these; most cells have none, and skip the searches.
    if "%" in source or "!" in source or "get_ipython" in source:
        _refuse_installs(path, cell, filename)
        _refuse_old_ingest_cells(path, cell, filename)
        # The extension is what gives a Jupyter kernel its job_input; under vdk run there
        # already is one, so the line is dropped (kept blank to keep line numbers) and costs no
        # IPython import.
        source = _OWN_EXTENSION.sub(lambda m: _dropped(path, cell, m), source)
        syntax = _IPYTHON_SYNTAX.search(source)
    needs_ipython = syntax is not None
    if syntax is not None:
        source = _transform(source, path, cell, filename, syntax)
    try:
        code, shows_result = compile_keeping_result(source, filename, cell.source)
    except SyntaxError as e:
        line = e.lineno if e.lineno and e.lineno <= len(cell.source.splitlines()) else None
        compiled = CompiledCell(cell, filename, None, needs_ipython)
        raise CellFailedError(
            f"Syntax error in a notebook cell: {e.msg}.",
            compiled.location(path.name, line),
            "Fix the cell (it must be valid Python, or IPython syntax for magics and !commands) "
            "and run the job again.",
            cause=e,
        ) from None
    return CompiledCell(cell, filename, code, needs_ipython, shows_result)


def _dropped(path: pathlib.Path, cell: Cell, match: re.Match) -> str:
    text = match.group(0).strip()
    if text.startswith("%vdk"):
        line = cell.source.count("\n", 0, match.start()) + 1
        log.warning(
            "%s, %s, line %d: `%s` is for Jupyter and is ignored by vdk run, where "
            "job_input is the run's own (pass arguments with vdk run --arguments).",
            path.name, cell_label(cell.number), line, text,
        )
    return ""


def _transform(source: str, path: pathlib.Path, cell: Cell, filename: str, syntax: re.Match
               ) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError as e:  # an optional dependency: see ipython_available.py
        line = source.count("\n", 0, syntax.start()) + 1
        raise CellFailedError(
            f"The cell uses IPython syntax (magics or !shell commands), which needs IPython, and "
            f"IPython cannot be imported ({e}).",
            CompiledCell(cell, filename, None, True).location(path.name, line),
            TO_DO,
        ) from None
    return TransformerManager().transform_cell(source)


def _refuse_old_ingest_cells(path: pathlib.Path, cell: Cell, filename: str) -> None:
    """The old vdk-notebook plugin's `%%vdkingest` (a vdk-data-sources TOML flow) has no
    counterpart here; found at job start, it fails before any step instead of halfway through."""
    number, line = first_line(cell.source)
    if not line.lstrip().startswith("%%vdkingest"):
        return
    raise CellFailedError(
        "%%vdkingest cells of the old vdk-notebook plugin are not supported by vdk-jupyter.",
        CompiledCell(cell, filename, None, True).location(path.name, number),
        "Ingest from Python in the cell instead (job_input.send_object_for_ingestion or "
        "send_tabular_data_for_ingestion), or move the vdk-data-sources flow into a .py step.",
    )


def _refuse_installs(path: pathlib.Path, cell: Cell, filename: str) -> None:
    match = _INSTALL.search(cell.source)
    if not match and _SHELL_CELL.match(cell.source):
        match = _SHELL_INSTALL.search(cell.source)
    if not match:
        return
    line = cell.source.count("\n", 0, match.start()) + 1
    compiled = CompiledCell(cell, filename, None, True)
    raise CellFailedError(
        "A cell installs packages. A production run must not install packages while it runs.",
        compiled.location(path.name, line),
        "List the package in the job's requirements.txt (it is installed when the job is "
        "deployed) and remove this line, or tag the cell 'non-vdk' so only Jupyter runs it.",
    )
