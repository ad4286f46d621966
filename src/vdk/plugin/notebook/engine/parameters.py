"""Job arguments as notebook variables, the papermill way.

A code cell tagged `parameters` holds defaults, so the notebook runs as it is in Jupyter. When
the job runs with arguments (`vdk run job --arguments '{"day": "2026-11-25"}'`), a cell tagged
`injected-parameters` that assigns them, with their JSON types, runs right after it (at the top
when the notebook has no parameters cell) and shows in the executed notebook. Everything is
checked when the job is initialised, before any step runs.
"""
from __future__ import annotations

import ast
import builtins
import keyword
import logging
import math
import pathlib
from typing import Any
from typing import Optional
from typing import Sequence

from vdk.plugin.notebook.engine.cells import Cell
from vdk.plugin.notebook.engine.cells import cell_label
from vdk.plugin.notebook.engine.cells import numbered_code_cells
from vdk.plugin.notebook.engine.cells import source_text
from vdk.plugin.notebook.engine.compiler import CompiledCell
from vdk.plugin.notebook.engine.errors import Location
from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.errors import shown
from vdk.plugin.notebook.engine.secrets_mask import DEFAULT_SECRET_NAMES
from vdk.plugin.notebook.engine.secrets_mask import shown_assignment

log = logging.getLogger(__name__)

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
# Names the engine and vdk run put into the namespace of the cells.
RESERVED_NAMES = frozenset({"job_input", "display"})


_JSON_KIND = {"list": "array", "str": "string", "int": "number", "float": "number",
              "bool": "boolean"}


class ParameterError(NotebookError):
    """A job argument cannot become a notebook variable."""


def inject_parameters(
    path: pathlib.Path, nb: dict[str, Any], cells: list[CompiledCell], arguments: Any,
    secret_words: Sequence[str] = DEFAULT_SECRET_NAMES,
) -> list[CompiledCell]:
    """`cells` (the compiled cells of notebook `nb` that run) with an injected-parameters cell
    for `arguments` (the parsed --arguments JSON, meant to be an object); unchanged without
    any. Values of arguments named like `secret_words` are masked in the cell's shown source."""
    if not arguments or not cells:
        return cells  # with no cell to run, the notebook stays "not runnable"
    parameters = _parameters_cell(nb)
    if not isinstance(arguments, dict):
        # vdk run accepts any JSON as --arguments; only an object names variables.
        kind = type(arguments).__name__
        if parameters is not None:
            raise ParameterError(
                f"The job arguments are a JSON {_JSON_KIND.get(kind, kind)}, not an object, so "
                "they cannot become the notebook variables of its parameters cell.",
                Location(path.name, parameters[0]),
                "Pass the arguments as a JSON object of names and values, for example "
                "--arguments '{\"day\": \"2026-11-25\"}'.",
            )
        log.warning(
            "%s: the job arguments are a JSON %s, not an object, so no notebook variables are "
            "assigned from them. Read them with job_input.get_arguments().",
            shown(path.name), _JSON_KIND.get(kind, kind),
        )
        return cells
    names = list(arguments)
    invalid = [name for name in names if not name.isidentifier() or keyword.iskeyword(name)]
    if invalid and parameters is not None:
        number, _ = parameters
        raise ParameterError(
            "Job arguments " + ", ".join(repr(n) for n in invalid) + " cannot become notebook "
            "variables: they are not Python identifiers (letters, digits and _, not starting "
            "with a digit, not a keyword).",
            Location(path.name, number),
            "Rename the arguments (for example start_date instead of start-date) in "
            "--arguments and in the parameters cell.",
        )
    if invalid:
        log.warning(
            "%s has no cell tagged 'parameters'; job arguments %s are not Python identifiers "
            "and are not injected. Read them with job_input.get_arguments().",
            shown(path.name), ", ".join(repr(n) for n in invalid),
        )
        names = [name for name in names if name not in invalid]
    _refuse_namespace_names(path, names, parameters)
    if parameters is None:
        log.warning(
            "%s has no cell tagged 'parameters'; the job arguments %s are assigned in a cell "
            "injected at the top. Tag the cell that holds their defaults 'parameters'.",
            shown(path.name), ", ".join(names),
        )
        number = 0
    else:
        number, source = parameters
        undefined = [name for name in names if name not in _assigned_names(source)]
        if undefined:
            log.warning(
                "%s: job arguments %s are not defined in the parameters cell (%s); "
                "they are passed anyway. Add defaults for them there, or check their spelling.",
                shown(path.name), ", ".join(undefined), cell_label(number),
            )
    if not names:
        return cells
    injected = _compile(path, nb, number, {name: arguments[name] for name in names}, secret_words)
    position = sum(1 for compiled in cells if compiled.cell.number <= number)
    return cells[:position] + [injected] + cells[position:]


def _parameters_cell(nb: dict[str, Any]) -> Optional[tuple[int, str]]:
    """The code-cell number and source of the first code cell tagged `parameters`."""
    for number, cell in numbered_code_cells(nb):
        if PARAMETERS_TAG in (cell["metadata"].get("tags") or ()):
            return number, source_text(cell["source"])
    return None


def _assigned_names(source: str) -> set[str]:
    """Names the parameters cell assigns at the top level; empty if it is not plain Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return set()  # the cell itself fails to compile, with its own message
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


def _refuse_namespace_names(
    path: pathlib.Path, names: list[str], parameters: Optional[tuple[int, str]]
) -> None:
    """Arguments that, as notebook variables, would break the namespace the cells run in:
    `job_input`, names Python reserves (`__builtins__`, `__name__`), and builtins such as
    `print` that the cells would no longer reach, unless the parameters cell itself assigns
    that name (then shadowing it is the notebook's own choice)."""
    assigned = _assigned_names(parameters[1]) if parameters is not None else set()
    broken = [name for name in names if name in RESERVED_NAMES
              or (name.startswith("__") and name.endswith("__"))
              or (hasattr(builtins, name) and name not in assigned)]
    if broken:
        raise ParameterError(
            "Job arguments " + ", ".join(repr(n) for n in broken) + " would replace names "
            "the notebook's cells rely on (job_input, Python's builtins such as print, or "
            "Python's own __names__) if they became notebook variables.",
            Location(path.name, parameters[0] if parameters is not None else None),
            "Rename the arguments in --arguments (and in the parameters cell), for example "
            "print_report instead of print.",
        )


def _compile(
    path: pathlib.Path, nb: dict[str, Any], number: int, values: dict[str, Any],
    secret_words: Sequence[str],
) -> CompiledCell:
    lines = {name: f"{name} = {_literal_of(path, name, value)}\n" for name, value in values.items()}
    source = "# Parameters\n" + "".join(lines.values())
    masked_source = "# Parameters\n" + "".join(
        shown_assignment(name, value, secret_words, literal) + "\n" for name, value in values.items()
    )
    ids = {cell.get("id") for cell in nb["cells"]}
    cell_id = INJECTED_TAG if INJECTED_TAG not in ids else f"{INJECTED_TAG}-vdk"
    # The cell shows (report, tracebacks) the masked source; its code assigns the real values.
    cell = Cell(number, cell_id, masked_source, frozenset({INJECTED_TAG}), False, injected=True)
    filename = f"{shown(path)} [{INJECTED_TAG}]"
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, RecursionError, MemoryError):
        culprit = next(name for name, line in lines.items() if not _compiles(line))
        raise _too_deep(path, culprit) from None
    return CompiledCell(cell, filename, code, False)


def _literal_of(path: pathlib.Path, name: str, value: Any) -> str:
    try:
        return literal(value)
    except RecursionError:
        raise _too_deep(path, name) from None


def _compiles(line: str) -> bool:
    try:
        compile(line, "<argument>", "exec", dont_inherit=True)
    except (SyntaxError, RecursionError, MemoryError):
        return False
    return True


def _too_deep(path: pathlib.Path, name: str) -> ParameterError:
    return ParameterError(
        f"The job argument {name!r} is nested too deeply to become a notebook variable "
        "(Python's parser takes at most 200 levels of brackets).",
        Location(path.name),
        f"Pass {name!r} as a JSON string and parse it in the notebook with json.loads, or "
        "read it with job_input.get_arguments().",
    )


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
