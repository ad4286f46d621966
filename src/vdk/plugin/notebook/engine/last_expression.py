"""The value of a cell's last expression, kept as Jupyter keeps it.

Jupyter shows the value of a cell's last expression (unless the cell ends with `;`). A cell
compiled as a script would drop it, so the last expression becomes an assignment to RESULT_NAME,
which the engine hands to whoever shows outputs (the executed notebook).
"""
from __future__ import annotations

import ast
import io
import tokenize
from types import CodeType

from vdk.plugin.notebook.engine.runner import COMPILE_FLAGS

RESULT_NAME = "_vdk_cell_result_"
_INDENT = (" ", "\t", "\f")
# What only a statement can start with: a keyword, or an assignment to a (dotted) name.
_STATEMENT_KEYWORDS = frozenset(
    "import from def class for while if elif else with try except finally return del pass "
    "raise assert global nonlocal break continue async".split()
)
_AUGMENTED = "+-*/%&|^@"
_NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER,
             tokenize.INDENT, tokenize.DEDENT}


def compile_keeping_result(source: str, filename: str, original: str) -> tuple[CodeType, bool]:
    """Compile a cell so that the value of its last expression is kept under RESULT_NAME, as
    Jupyter keeps it for display. A trailing `;` hides it, as in Jupyter."""
    if _ends_in_a_statement(source):
        # Straight from the source: going through Python's AST objects costs twice as much.
        return compile(source, filename, "exec", COMPILE_FLAGS, dont_inherit=True), False
    tree = compile(source, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or _ends_with_semicolon(original):
        return compile(tree, filename, "exec", COMPILE_FLAGS, dont_inherit=True), False
    # The new nodes get the expression statement's place, as ast.fix_missing_locations would
    # give them (at the cost of a walk through the whole tree in Python).
    target = ast.copy_location(ast.Name(RESULT_NAME, ast.Store()), last)
    tree.body[-1] = ast.copy_location(ast.Assign(targets=[target], value=last.value), last)
    return compile(tree, filename, "exec", COMPILE_FLAGS, dont_inherit=True), True


def _ends_in_a_statement(source: str) -> bool:
    """Whether the cell's last top-level statement is certainly not an expression, judged from
    its text alone; False when unsure (the AST then decides). The last line starting in column 0
    (comments aside) begins the last top-level statement unless it lies inside a string or
    brackets opened above it, or continues a line ending in a backslash. A string or bracket
    open there would have to close at or below it: so no quote from there on, brackets balanced
    there, no `;` (another statement could follow on the line), and it must start with a
    statement keyword or an assignment."""
    end = len(source)
    while True:
        start = source.rfind("\n", 0, end) + 1
        line = source[start:end]
        if line[:1] not in _INDENT and line.strip() and not line.startswith("#"):
            break
        if start == 0:
            return False
        end = start - 1
    tail = source[start:]
    if "'" in tail or '"' in tail or ";" in tail or source[:start].rstrip("\r\n").endswith("\\"):
        return False
    if (tail.count("(") != tail.count(")") or tail.count("[") != tail.count("]")
            or tail.count("{") != tail.count("}")):
        return False
    return _starts_a_statement(line)


def _starts_a_statement(line: str) -> bool:
    """`line` starts with a statement keyword, or assigns (`=`, `+=`, ...) to a dotted name.
    Plain string tests: a regular expression would cost more to compile than it saves."""
    word = line.split(None, 1)[0]
    if word in _STATEMENT_KEYWORDS or word.rstrip(":") in _STATEMENT_KEYWORDS:
        return True
    equals = line.find("=")
    if equals <= 0 or line[equals + 1:equals + 2] == "=" or line[equals - 1] in "=!<>:":
        return False
    target = line[:equals].rstrip(" \t")
    target = target[:-2] if target.endswith(("//", "**")) else target.rstrip(_AUGMENTED)
    return all(part.isidentifier() for part in target.rstrip(" \t").split("."))


def _ends_with_semicolon(source: str) -> bool:
    """Whether the cell's last token is `;` (comments aside), as IPython decides."""
    stripped = source.rstrip()
    if ";" not in stripped[stripped.rfind("\n") + 1:]:
        return False
    last = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in _NOT_CODE:
                last = token
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"
