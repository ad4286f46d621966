"""The value of a cell's last expression is kept exactly when Python's own parser says the last
statement is an expression (and the cell does not end with `;`), whichever way the cell is
compiled: cells that end in a statement are compiled straight from their text, judged by a
cheap test of that text, which must never take an expression for a statement."""
from __future__ import annotations

import ast

import pytest

from vdk.plugin.notebook.engine.last_expression import RESULT_NAME
from vdk.plugin.notebook.engine.last_expression import compile_keeping_result

CELLS = [
    "x = 1", "x += 1", "x **= 2", "x //= 2", "x <<= 1", "a.b = 3", "x, y = 1, 2", "x: int = 1",
    "x == 1", "x", "f()", "import os", "import os\nos", 'print("""\nimport os""")',
    'print("""\nfor x in y:\n    """)', "for i in range(3):\n    i", "if x:\n    pass\nelse:\n    y",
    "x = (\n1)", "x = [1,\n2]\n", "x = 1;", "x;", "x  # note", "# only a comment", "",
    "def f():\n    return 1\nf()", "x = 1 \\\n + 2", "if x: \\\npass", "await f()", "x = await f()",
    "lambda: 0", "not x", "x = 1\n# trailing\n", "for i in x:\n    f(i)\n# done\n",
    "x = 1\r\nx\r\n", "x = 2; print(1)", "print(1); x = 2", "else_ = 1\nelse_", "for_x = 2",
    "f(a=1)", "lambda x=1: x", "x = 1\n@d\ndef f(): pass", "d[k] = 1", "x = {'a': 1}",
]


def parser_says_expression(source: str) -> bool:
    body = ast.parse(source).body
    return bool(body) and isinstance(body[-1], ast.Expr) and not source.rstrip().endswith(";")


@pytest.mark.parametrize("source", CELLS)
def test_the_last_value_is_kept_exactly_when_the_last_statement_is_an_expression(source):
    code, shows_result = compile_keeping_result(source, "<cell>", source)

    assert shows_result == parser_says_expression(source)
    if shows_result:
        assert RESULT_NAME in code.co_names
