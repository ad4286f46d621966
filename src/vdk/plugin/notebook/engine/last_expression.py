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
_NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER,
             tokenize.INDENT, tokenize.DEDENT}


def compile_keeping_result(source: str, filename: str, original: str) -> tuple[CodeType, bool]:
    """Compile a cell so that the value of its last expression is kept under RESULT_NAME, as
    Jupyter keeps it for display. A trailing `;` hides it, as in Jupyter."""
    tree = compile(source, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or _ends_with_semicolon(original):
        return compile(tree, filename, "exec", COMPILE_FLAGS, dont_inherit=True), False
    keep = ast.Assign(targets=[ast.Name(RESULT_NAME, ast.Store())], value=last.value)
    tree.body[-1] = ast.copy_location(keep, last)
    ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", COMPILE_FLAGS, dont_inherit=True), True


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
