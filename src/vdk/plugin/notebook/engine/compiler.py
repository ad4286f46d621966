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

import ast
import logging
import pathlib
import re
from types import CodeType
from typing import Callable
from typing import NamedTuple
from typing import Optional

from vdk.plugin.notebook.engine.last_expression import compile_keeping_result
from vdk.plugin.notebook.engine.cells import Cell
from vdk.plugin.notebook.engine.cells import cell_label
from vdk.plugin.notebook.engine.cells import first_line
from vdk.plugin.notebook.engine.errors import CellFailedError
from vdk.plugin.notebook.engine.errors import Location
from vdk.plugin.notebook.engine.errors import shown
from vdk.plugin.notebook.engine.ipython_syntax import INSTALL
from vdk.plugin.notebook.engine.ipython_syntax import TO_DO
from vdk.plugin.notebook.engine.ipython_syntax import Automagic
from vdk.plugin.notebook.engine.ipython_syntax import automagic_line
from vdk.plugin.notebook.engine.ipython_syntax import ipython_installed
from vdk.plugin.notebook.engine.ipython_syntax import ipython_syntax
from vdk.plugin.notebook.engine.ipython_syntax import transform

log = logging.getLogger(__name__)

# Lines for the Jupyter extension only: loading it, and `%vdk`, which points a kernel's job_input
# at a job; and the set-up lines of the older vdk-ipython extension (`%reload_ext
# vdk.plugin.ipython`, `%reload_VDK`, `job_input = VDK.get_initialized_job_input()`). Under vdk
# run the notebook already has the run's job_input.
_OWN_EXTENSION = (
    r"(?m)^[ \t]*(%(load_ext|reload_ext)[ \t]+(vdk\.plugin\.(notebook|ipython)|vdk_ipython)[ \t]*"
    r"|%vdk(?![\w.]).*|%reload_VDK\b.*"
    r"|job_input[ \t]*=[ \t]*VDK\.get_initialized_job_input\(\)[ \t]*(#.*)?)$"
)
_INSTALL = (
    r"(?m)^[ \t]*(%?(pip|conda|mamba|micromamba)|!.*\b(pip[\d.]*|conda|mamba|micromamba))\s+"
    r"(install|uninstall|remove)\b.*$"
)
# A cell run by a shell (%%bash, %%sh, %%script ...): any of its lines may install.
_SHELL_CELL = r"\A\s*%%(bash|sh|script|system|sx)\b"
_SHELL_INSTALL = r"(?m)^.*\b(pip[\d.]*|conda|mamba|micromamba)\s+(install|uninstall|remove)\b.*$"


# A cell too long for Python's compiler, found before the compiler crashes on it. Python 3.11 and
# later refuse an expression of a few thousand chained operators with a RecursionError; Python 3.9
# (the cloud's default) instead recurses in C until the process dies with a segmentation fault,
# taking the whole job with it. So chains that Python 3.11 would refuse are refused here on every
# version, with the same error, and a notebook behaves alike in Jupyter and in the cloud. Python
# 3.11 gives up at about 3,000 chained binary operators; below that, every version compiles.
MAX_CHAIN = 2_500
# Only cells this long are looked at: each term takes at least an operator and an operand.
LONG_CELL = 2 * MAX_CHAIN
_BINARY = frozenset("+ - * / // % @ ** << >> & | ^".split())
_RESET = frozenset(", ; : = ( ) [ ] { }".split())
# The cell magics that run their body as ordinary cell code (see _check_magic_body).
PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_MAGIC_LINE = r"^\s*%%(\w+)"
# How a cell's text becomes code: compile_keeping_result, or the same through a cache
# (code_cache.CodeCache.compile).
CompileSource = Callable[[str, str, str], "tuple[CodeType, bool]"]


class CompiledCell(NamedTuple):
    cell: Cell
    filename: str
    code: Optional[CodeType]  # None for SQL cells
    needs_ipython: bool
    # The code leaves the value of the cell's last expression in the namespace under
    # last_expression.RESULT_NAME, for the report to show it as Jupyter does.
    shows_result: bool = False
    # A single-line cell IPython's automagic may run as a line magic (`pwd`): see ipython_syntax.
    automagic: Optional[Automagic] = None

    def location(self, notebook: str, line: Optional[int] = None) -> Location:
        text = None
        if line is not None:
            lines = self.cell.source.splitlines()
            text = lines[line - 1] if 0 < line <= len(lines) else None
        return Location(notebook, self.cell.number, self.cell.cell_id, line, text)


def cell_filename(path: pathlib.Path, cell: Cell) -> str:
    return f"{shown(path)} [code cell {cell.number}]"


def compile_cell(
    path: pathlib.Path, cell: Cell, compile_source: CompileSource = compile_keeping_result
) -> CompiledCell:
    """Compile one selected cell, or raise CellFailedError saying where and why."""
    filename = cell_filename(path, cell)
    if cell.is_sql:
        return CompiledCell(cell, filename, None, False)
    _refuse_installs(path, cell, filename)
    _refuse_old_ingest_cells(path, cell, filename)
    # The extension is what gives a Jupyter kernel its job_input; under vdk run there already is
    # one, so the line is dropped (kept blank to keep line numbers) and costs no IPython import.
    source = cell.source
    if "%" in source or "VDK" in source:  # every line _OWN_EXTENSION matches has one
        source = re.sub(_OWN_EXTENSION, lambda m: _dropped(path, cell, m), source)
    syntax = ipython_syntax(source)
    needs_ipython = syntax is not None
    try:
        if len(source) >= LONG_CELL:
            refuse_too_long_chains(source)
        if syntax is not None:
            source = _transform(source, path, cell, filename, syntax.start())
            _check_magic_body(path, cell, filename)
        code, shows_result = compile_source(source, filename, cell.source)
    except (RecursionError, MemoryError, UnicodeError, ValueError) as e:
        raise _uncompilable(path, cell, filename, e) from None
    except SyntaxError as e:
        # Not Python: maybe IPython syntax the cheap check does not look for (`obj?`, `>>>`
        # prompts, an indented cell, automagic `ls -d /tmp`), transformed as IPython would.
        return _compile_ipython(path, cell, filename, source, needs_ipython, e, compile_source)
    return CompiledCell(cell, filename, code, needs_ipython, shows_result,
                        _automagic(path, cell, filename, source, compile_source))


def _transform(source: str, path: pathlib.Path, cell: Cell, filename: str, start: int) -> str:
    try:
        return transform(source)
    except ImportError as e:  # an optional dependency: see ipython_syntax.TO_DO
        raise CellFailedError(
            f"The cell uses IPython syntax (magics or !shell commands), which needs IPython, and "
            f"IPython cannot be imported ({e}).",
            CompiledCell(cell, filename, None, True).location(
                path.name, source.count("\n", 0, start) + 1),
            TO_DO,
        ) from None


def _compile_ipython(
    path: pathlib.Path, cell: Cell, filename: str, source: str, transformed: bool,
    error: SyntaxError, compile_source: CompileSource,
) -> CompiledCell:
    if not transformed and ipython_installed():  # without IPython, a syntax error is one
        plain, source = source, transform(source)
        try:
            code, shows_result = compile_source(source, filename, cell.source)
        except SyntaxError as e:
            if source.rstrip("\n") != plain.rstrip("\n"):  # IPython syntax, with an error
                error = e
        else:
            return CompiledCell(cell, filename, code, True, shows_result,
                                _automagic(path, cell, filename, source, compile_source))
    magic = _automagic(path, cell, filename, source, compile_source, error)
    if magic is not None:
        return CompiledCell(cell, filename, magic.code, True, magic.shows_result, magic)
    line = error.lineno if error.lineno and error.lineno <= len(cell.source.splitlines()) else None
    compiled = CompiledCell(cell, filename, None, transformed)
    raise CellFailedError(
        f"Syntax error in a notebook cell: {error.msg}.",
        compiled.location(path.name, line),
        "Fix the cell (it must be valid Python, or IPython syntax for magics and !commands) "
        "and run the job again." + ("" if ipython_installed() else f" IPython syntax needs "
                                    f"IPython, which is not installed: {INSTALL}"),
        cause=error,
    ) from None


def _automagic(
    path: pathlib.Path, cell: Cell, filename: str, source: str, compile_source: CompileSource,
    error: Optional[SyntaxError] = None,
) -> Optional[Automagic]:
    """A single-line cell such as `pwd` or `ls -d /tmp`, compiled as the magic call too: whether
    it runs as one is decided when it runs (ipython_syntax.choose_code)."""
    found = automagic_line(source)
    if found is None:
        return None
    name, call = found
    code, shows_result = compile_source(call, filename, cell.source)
    return Automagic(name, code, shows_result, error)


def _uncompilable(path: pathlib.Path, cell: Cell, filename: str, error: Exception) -> CellFailedError:
    """Python's compiler gives up on some sources without a SyntaxError: an expression of a
    hundred thousand terms (RecursionError, MemoryError), a lone surrogate that is not text
    (UnicodeEncodeError), a NUL character (ValueError before Python 3.12)."""
    if isinstance(error, (RecursionError, MemoryError)):
        what = ("The cell is too deeply nested or too long for Python's compiler "
                f"({type(error).__name__}).")
        to_do = "Split the expression or move the data into a file the cell reads."
    else:
        what = f"The cell's source is not valid text for Python: {error}."
        to_do = "Retype the characters it names (the file has an invalid character)."
    return CellFailedError(
        what, CompiledCell(cell, filename, None, False).location(path.name),
        to_do + " Then run the job again.",
    )


def _check_magic_body(path: pathlib.Path, cell: Cell, filename: str) -> None:
    """Syntax errors inside the body of a cell magic that runs Python, found at job start.
    IPython hands the body of `%%time`, `%%timeit`, `%%capture` or `%%prun` to the magic as a
    string, compiled only when the cell runs: a `def f(:` under `%%time` would fail halfway
    through the job, after earlier steps changed data."""
    found = magic_body_syntax_error(cell.source, transform)
    if found is None:
        return
    line, error = found
    raise CellFailedError(
        f"Syntax error in the body of a cell magic: {error.msg}.",
        CompiledCell(cell, filename, None, True).location(path.name, line),
        "Fix the cell (the lines below the cell magic must be valid Python) and run the job "
        "again.",
        cause=error,
    )


def magic_body_syntax_error(
    source: str, transform: Callable[[str], str]
) -> Optional[tuple[int, SyntaxError]]:
    """(line in the cell, error) for a body of a Python-body cell magic that does not compile;
    `transform` turns IPython syntax (magics, !commands) in the body into Python. The body is
    compiled as the cell itself is, and the error is reported at the line where it is in the
    cell."""
    lines = source.split("\n")
    number = next((i for i, line in enumerate(lines, start=1) if line.strip()), None)
    if number is None:
        return None
    match = re.match(_MAGIC_LINE, lines[number - 1])
    if match is None or match.group(1) not in PYTHON_BODY_MAGICS:
        return None
    body = "\n".join(lines[number:]) + "\n"
    try:
        compile(transform(body), "<cell magic body>", "exec",
                flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as e:
        return number + (e.lineno or 1), e
    return None


def refuse_too_long_chains(source: str) -> None:
    """Raise RecursionError if `source` chains more binary operators in a row than every
    supported Python can compile (see MAX_CHAIN)."""
    import io
    import tokenize

    if len(source) < LONG_CELL:
        return
    chain = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.string in _BINARY:
                chain += 1
                if chain > MAX_CHAIN:
                    raise RecursionError(
                        f"more than {MAX_CHAIN:,} operators chained on line {token.start[0]}")
            elif token.string in _RESET or token.type == tokenize.NEWLINE:
                chain = 0
    except (tokenize.TokenError, SyntaxError):
        return  # not Python: the compiler says why


def _dropped(path: pathlib.Path, cell: Cell, match: re.Match) -> str:
    text = match.group(0).strip()
    if text.startswith("%vdk"):
        line = cell.source.count("\n", 0, match.start()) + 1
        log.warning(
            "%s, %s, line %d: `%s` is for Jupyter and is ignored by vdk run, where "
            "job_input is the run's own (pass arguments with vdk run --arguments).",
            shown(path.name), cell_label(cell.number), line, text,
        )
    return ""


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
    if "install" not in cell.source and "remove" not in cell.source:  # in all _INSTALL finds
        return
    match = re.search(_INSTALL, cell.source)
    if not match and re.match(_SHELL_CELL, cell.source):
        match = re.search(_SHELL_INSTALL, cell.source)
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
