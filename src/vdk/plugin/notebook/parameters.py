"""Job arguments as notebook variables, the papermill way.

A code cell tagged `parameters` holds defaults, so the notebook runs as it is in Jupyter. When
the job runs with arguments (`vdk run job --arguments '{"day": "2026-11-25"}'`), a cell tagged
`injected-parameters` that assigns them, with their JSON types, runs right after it (at the top
when the notebook has no parameters cell) and shows in the executed notebook. Everything is
checked when the job is initialised, before any step runs.
"""
from __future__ import annotations

import ast
import keyword
import linecache
import logging
import math
from typing import TYPE_CHECKING
from typing import Any
from typing import Optional

from vdk.plugin.notebook.cells import Cell
from vdk.plugin.notebook.cells import source_text
from vdk.plugin.notebook.compiler import CompiledCell
from vdk.plugin.notebook.errors import Location
from vdk.plugin.notebook.errors import NotebookError

if TYPE_CHECKING:
    from vdk.plugin.notebook.notebook import PreparedNotebook

log = logging.getLogger(__name__)

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


_JSON_KIND = {"list": "array", "str": "string", "int": "number", "float": "number",
              "bool": "boolean"}


class ParameterError(NotebookError):
    """A job argument cannot become a notebook variable."""


def inject_parameters(
    notebook: PreparedNotebook, arguments: Any
) -> PreparedNotebook:
    """`notebook` with an injected-parameters cell for `arguments` (the parsed --arguments JSON,
    meant to be an object); unchanged without any."""
    if not arguments or not notebook.cells:
        return notebook  # with no cell to run, the notebook stays "not runnable"
    parameters = _parameters_cell(notebook.skeleton)
    if not isinstance(arguments, dict):
        # vdk run accepts any JSON as --arguments; only an object names variables.
        kind = type(arguments).__name__
        if parameters is not None:
            raise ParameterError(
                f"The job arguments are a JSON {_JSON_KIND.get(kind, kind)}, not an object, so "
                "they cannot become the notebook variables of its parameters cell.",
                Location(notebook.name, parameters[0]),
                "Pass the arguments as a JSON object of names and values, for example "
                "--arguments '{\"day\": \"2026-11-25\"}'.",
            )
        log.warning(
            "%s: the job arguments are a JSON %s, not an object, so no notebook variables are "
            "assigned from them. Read them with job_input.get_arguments().",
            notebook.name, _JSON_KIND.get(kind, kind),
        )
        return notebook
    names = list(arguments)
    invalid = [name for name in names if not name.isidentifier() or keyword.iskeyword(name)]
    if invalid and parameters is not None:
        number, _ = parameters
        raise ParameterError(
            "Job arguments " + ", ".join(repr(n) for n in invalid) + " cannot become notebook "
            "variables: they are not Python identifiers (letters, digits and _, not starting "
            "with a digit, not a keyword).",
            Location(notebook.name, number),
            "Rename the arguments (for example start_date instead of start-date) in "
            "--arguments and in the parameters cell.",
        )
    if invalid:
        log.warning(
            "%s has no cell tagged 'parameters'; job arguments %s are not Python identifiers "
            "and are not injected. Read them with job_input.get_arguments().",
            notebook.name, ", ".join(repr(n) for n in invalid),
        )
        names = [name for name in names if name not in invalid]
    if parameters is None:
        log.warning(
            "%s has no cell tagged 'parameters'; the job arguments %s are assigned in a cell "
            "injected at the top. Tag the cell that holds their defaults 'parameters'.",
            notebook.name, ", ".join(names),
        )
        number = 0
    else:
        number, source = parameters
        undefined = [name for name in names if name not in _assigned_names(source)]
        if undefined:
            log.warning(
                "%s: job arguments %s are not defined in the parameters cell (code cell %d); "
                "they are passed anyway. Add defaults for them there, or check their spelling.",
                notebook.name, ", ".join(undefined), number,
            )
    if not names:
        return notebook
    injected = _compile(notebook, number, {name: arguments[name] for name in names})
    cells = list(notebook.cells)
    position = sum(1 for compiled in cells if compiled.cell.number <= number)
    cells.insert(position, injected)
    return notebook._replace(cells=cells)


def _parameters_cell(skeleton: dict[str, Any]) -> Optional[tuple[int, str]]:
    """The code-cell number and source of the first code cell tagged `parameters`."""
    number = 0
    for cell in skeleton["cells"]:
        if cell["cell_type"] != "code":
            continue
        number += 1
        if PARAMETERS_TAG in (cell["metadata"].get("tags") or ()):
            return number, source_text(cell["source"])
    return None


def _assigned_names(source: str) -> set[str]:
    """Names the parameters cell assigns at the top level; empty if it is not plain Python."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        )
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    names.add(name.id)
    return names


def _compile(notebook: PreparedNotebook, number: int, values: dict[str, Any]) -> CompiledCell:
    source = "# Parameters\n" + "".join(f"{name} = {literal(value)}\n" for name, value in values.items())
    ids = {cell.get("id") for cell in notebook.skeleton["cells"]}
    cell_id = INJECTED_TAG if INJECTED_TAG not in ids else f"{INJECTED_TAG}-vdk"
    cell = Cell(number, cell_id, source, frozenset({INJECTED_TAG}), False, injected=True)
    filename = f"{notebook.path} [{INJECTED_TAG}]"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return CompiledCell(cell, filename, compile(source, filename, "exec", dont_inherit=True), False)


def literal(value: Any) -> str:
    """Python source for a value parsed from JSON, keeping its type."""
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise TypeError(f"not a JSON value: {type(value).__name__}")
