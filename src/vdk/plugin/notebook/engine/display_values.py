"""A value as Jupyter shows it (a mime bundle), without an IPython shell, and what is shown when
one of its display methods fails.

Jupyter's text/plain is IPython's pretty printer, not repr(): a long dict or list is broken over
lines, a class without its own __repr__ shows as `<__main__.Point at 0x...>`. Importing
IPython.lib.pretty costs the IPython package (~0.1-0.2 s here), so it is imported only for the
values whose pretty form differs from repr(); numbers, strings and objects with their own
__repr__ keep the cheap path. A `_repr_*_` method that raises does not fail the cell, as in
Jupyter: its traceback is shown and the other formats are kept.
"""
from __future__ import annotations

import re
import traceback
import types
from typing import Any
from typing import Callable
from typing import Optional

REPR_METHODS = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_latex_", "text/latex"),
    ("_repr_json_", "application/json"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
)
# Types whose pretty form is their repr().
_REPR_IS_PRETTY = (int, float, complex, bool, str, bytes, type(None), range, BaseException)
_SCALARS = frozenset((int, float, complex, bool, str, bytes, type(None)))
_WIDTH = 79  # IPython's default line width for pretty printing
# Types IPython's pretty printer lays out itself.
_PRETTY_TYPES = (dict, list, tuple, set, frozenset, type, types.FunctionType,
                 types.BuiltinFunctionType, types.MethodType, re.Pattern)
# Frames of the machinery between the cell and a failing display method (compiled when needed).
_MACHINERY = r"[/\\](IPython|vdk[/\\]plugin[/\\]notebook[/\\]engine)[/\\]"


def format_value(
    value: Any, shown_error: Callable[[BaseException], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A mime bundle for `value` from its `_repr_*_` methods, as IPython's formatter would give;
    a method that raises is passed to `shown_error` and left out."""
    data: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if not isinstance(value, type):
        bundle = _call_repr(value, "_repr_mimebundle_", shown_error)
        if isinstance(bundle, tuple) and len(bundle) == 2:
            bundle, extra = bundle
            metadata.update(extra if isinstance(extra, dict) else {})
        if isinstance(bundle, dict):
            data.update(bundle)
        for method, mime in REPR_METHODS:
            if mime in data:
                continue
            result = _call_repr(value, method, shown_error)
            if isinstance(result, tuple) and len(result) == 2:
                result, extra = result
                if isinstance(extra, dict):
                    metadata[mime] = extra
            if result is not None:
                data[mime] = result
    if "text/plain" not in data:
        data["text/plain"] = plain_text(value)
    return data, metadata


def plain_text(value: Any) -> str:
    """text/plain as Jupyter shows it: IPython's pretty printer where it differs from repr()."""
    cls = type(value)
    if isinstance(value, _REPR_IS_PRETTY) and not isinstance(value, _PRETTY_TYPES):
        return repr(value)
    if _short_and_simple(value):  # `[]`, `(1, 'a')`, `{'n': 3}`: one line either way
        text = repr(value)
        if len(text) <= _WIDTH:
            return text
    if not (
        isinstance(value, _PRETTY_TYPES)
        or cls.__repr__ is object.__repr__
        or hasattr(cls, "_repr_pretty_")
        or cls.__module__ == "collections"
    ):
        return repr(value)
    try:
        from IPython.lib.pretty import pretty
    except ImportError:  # IPython is an optional extra: without it, as plain Python shows it
        return repr(value)

    return pretty(value, max_width=_WIDTH)


def _short_and_simple(value: Any, depth: int = 0) -> bool:
    """A few numbers and strings in lists, tuples or dicts: pretty() prints them as repr() does
    while they fit on a line (sets and other types it may lay out differently)."""
    cls = type(value)
    if cls in _SCALARS:
        return True
    if depth > 2 or cls not in (list, tuple, dict) or len(value) > _WIDTH // 3:
        return False
    items = [item for pair in value.items() for item in pair] if cls is dict else value
    return all(_short_and_simple(item, depth + 1) for item in items)


def error_output(error: BaseException) -> dict[str, Any]:
    """An nbformat error output for an error Jupyter shows and goes on from."""
    lines = shown_traceback(error)
    return {"output_type": "error", "ename": type(error).__name__, "evalue": str(error),
            "traceback": [line.rstrip("\n") for line in lines]}


def shown_traceback(error: BaseException) -> list[str]:
    """The traceback from the user's code down, without IPython's and the engine's frames."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not re.search(_MACHINERY, frame.filename)]
    return (["Traceback (most recent call last):\n"] + traceback.format_list(frames)
            + traceback.format_exception_only(type(error), error))


def _call_repr(value: Any, method: str, shown_error: Callable[[BaseException], None]) -> Optional[Any]:
    function = getattr(value, method, None)
    if not callable(function):
        return None
    try:
        return function()
    except NotImplementedError:  # IPython's formatters take it as "no such format"
        return None
    except Exception as e:  # noqa: BLE001 - shown, as in Jupyter; the cell goes on
        shown_error(e)
        return None
