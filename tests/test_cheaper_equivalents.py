"""Cheaper ways the engine does what a library call did, checked to give the very same results,
errors included (the figures are in the README's Performance section)."""
from __future__ import annotations

import codecs

import pytest

from vdk.plugin.notebook.engine import report_folder
from vdk.plugin.notebook.engine.reader import utf8_text

BOM = codecs.BOM_UTF8
TEXTS = [
    b"", b"{}", BOM, BOM + b"{}", BOM + BOM + b"x", b"x" + BOM, BOM[:2], BOM[:2] + b"x",
    "caf\u00e9 \U0001f600".encode(), BOM + "caf\u00e9".encode(), b"ab\xffc", BOM + b"ab\xffc",
    BOM + b"\xc3", b"\xc3", b"ok \xed\xa0\x80 surrogate", BOM + "\u00e9".encode("latin-1"),
]


@pytest.mark.parametrize("data", TEXTS, ids=range(len(TEXTS)))
def test_utf8_text_decodes_as_the_utf_8_sig_codec(data):
    try:
        expected = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        with pytest.raises(UnicodeDecodeError) as caught:
            utf8_text(data)
        assert (caught.value.start, caught.value.end, caught.value.reason) == (
            e.start, e.end, e.reason)
    else:
        assert utf8_text(data) == expected


NAMES = ["nb", "my-job_1.2", "", "a b", "a  b", "caf\u00e9", "../../etc", "a/b\\c", "\n",
         "job\x00x", "Z9._-", "\U0001f600job\U0001f600", "-" * 70, "a!@#b$%^c"]


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_a_job_name_becomes_the_same_folder_name_as_with_the_regular_expression(name):
    import re

    assert report_folder._safe(name) == re.sub(r"[^A-Za-z0-9._-]+", "_", name)


@pytest.mark.parametrize("change", ["rebind", "rebind to an equal object", "add", "delete",
                                    "delete and add back", "nothing"])
def test_builtins_are_left_exactly_as_they_were(change):
    """builtins_kept skips its restore only when nothing changed; whatever a cell did to the
    builtins module is undone, down to the identity of each object."""
    import builtins

    from vdk.plugin.notebook.engine.process_state import builtins_kept

    before = dict(vars(builtins))
    with builtins_kept():
        if change == "rebind":
            builtins.len = lambda value: 0
        elif change == "rebind to an equal object":
            vars(builtins)["__debug__"] = 1  # == True, but another object
        elif change == "add":
            builtins.display = print
        elif change in ("delete", "delete and add back"):
            saved = builtins.input
            del builtins.input
            if change == "delete and add back":
                builtins.input = saved
    after = vars(builtins)
    assert set(after) == set(before)
    assert all(after[name] is value for name, value in before.items())


def _handler(signum, frame):
    pass


@pytest.mark.parametrize("before", ["default", "ignore", "a function"])
def test_a_signal_handler_is_set_and_given_back_as_signal_signal_does(before):
    """signal_handler calls the C signal function without signal.py's enum conversions: what
    is installed, what signal.getsignal reports and what is put back are the same."""
    import signal

    from vdk.plugin.notebook.engine.process_state import signal_handler

    previous = {"default": signal.SIG_DFL, "ignore": signal.SIG_IGN, "a function": _handler}
    saved = signal.signal(signal.SIGUSR1, previous[before])
    try:
        expected_before = signal.getsignal(signal.SIGUSR1)
        with signal_handler(signal.SIGUSR1, signal.SIG_IGN):
            assert signal.getsignal(signal.SIGUSR1) is signal.SIG_IGN
        with signal_handler(signal.SIGUSR1, _handler):
            assert signal.getsignal(signal.SIGUSR1) is _handler
        after = signal.getsignal(signal.SIGUSR1)
        assert after == expected_before and type(after) is type(expected_before)
    finally:
        signal.signal(signal.SIGUSR1, saved)


class _Refusing:
    """An object whose attribute `locked` cannot be set."""

    value = "original"
    locked = "locked"

    def __setattr__(self, name, value):
        if name == "locked":
            raise AttributeError("locked")
        object.__setattr__(self, name, value)


def test_attributes_are_replaced_and_given_back_as_nested_withs_would():
    """attributes_replaced, one object for several attributes: set in order, put back in the
    reverse order, and what was set is given back when a later one cannot be set."""
    from vdk.plugin.notebook.engine.process_state import attributes_replaced

    first, second = _Refusing(), _Refusing()
    with attributes_replaced((first, "value", 1), (second, "value", 2)):
        assert (first.value, second.value) == (1, 2)
        raising = attributes_replaced((first, "value", 3), (second, "locked", 4))
        with pytest.raises(AttributeError):
            raising.__enter__()
        assert first.value == 1  # given back at once
    assert (vars(first)["value"], vars(second)["value"]) == ("original", "original")


BUILT_IN_VALUES = [0, 1.5, 2j, True, "s", b"b", None, range(3), [1, "a"], (1,), {"k": [1]},
                   {1, 2}, frozenset({3})]


@pytest.mark.parametrize("value", BUILT_IN_VALUES, ids=range(len(BUILT_IN_VALUES)))
def test_a_built_in_value_is_formatted_as_when_its_repr_methods_were_looked_up(value):
    """format_value skips looking up `_repr_*_` methods on values of built-in types, which
    have none: the bundle is the same as with every method looked up."""
    from vdk.plugin.notebook.engine import display_values

    looked_up = [name for name, _ in display_values.REPR_METHODS] + ["_repr_mimebundle_"]
    assert not any(hasattr(value, name) for name in looked_up)
    assert type(value) in display_values._NO_REPR_METHODS
    errors = []
    data, metadata = display_values.format_value(value, errors.append)
    assert (data, metadata, errors) == ({"text/plain": display_values.plain_text(value)}, {}, [])


def test_a_subclass_of_a_built_in_type_still_has_its_repr_methods_looked_up():
    from vdk.plugin.notebook.engine.display_values import format_value

    class Rows(list):
        def _repr_html_(self):
            return "<table></table>"

    data, _ = format_value(Rows([1]), print)
    assert data == {"text/html": "<table></table>", "text/plain": "[1]"}


@pytest.mark.parametrize("size", [0, 1, 4096, (1 << 20) - 1, 1 << 20, 3 * (1 << 20) + 7])
def test_a_notebook_file_is_read_as_a_buffered_file_reads_it(size, tmp_path):
    from vdk.plugin.notebook.engine.reader import read_file

    path = tmp_path / "nb.ipynb"
    path.write_bytes(bytes(index % 251 for index in range(size)))
    with open(path, "rb") as file:
        assert read_file(path) == file.read()


def test_a_regular_file_that_reports_no_size_is_read_whole():
    from vdk.plugin.notebook.engine.reader import read_file

    with open("/proc/self/mounts", "rb") as file:  # a regular file whose st_size is 0
        expected = file.read()
    assert expected and read_file("/proc/self/mounts") == expected
