"""A cell too long for Python's compiler, found before the compiler crashes on it.

Python 3.11 and later refuse an expression of a few thousand chained operators with a
RecursionError; Python 3.9 (the cloud's default) instead recurses in C until the process dies with a
segmentation fault, taking the whole job with it. So chains that Python 3.11 would refuse are
refused here on every version, with the same error, and a notebook behaves alike in Jupyter and in
the cloud. Only long cells are looked at: a shorter one cannot hold such a chain.
"""
from __future__ import annotations

import io
import tokenize

# Python 3.11 gives up at about 3,000 chained binary operators; below that, every version compiles.
MAX_CHAIN = 2_500
LONG_CELL = 2 * MAX_CHAIN  # characters: each term takes at least an operator and an operand
_BINARY = frozenset("+ - * / // % @ ** << >> & | ^".split())
_RESET = frozenset(", ; : = ( ) [ ] { }".split())


def refuse_too_long_chains(source: str) -> None:
    """Raise RecursionError if `source` chains more binary operators in a row than every
    supported Python can compile."""
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
