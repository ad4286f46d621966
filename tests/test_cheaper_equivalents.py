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


# The schema's patterns: the empty string, line breaks anywhere (a trailing one is where `$` also
# matches), other line separators `.` does match, lengths 64 and 65, non-ASCII letters and digits.
SCHEMA_TEXTS = [
    "", "\n", "\n\n", "a", "a\n", "a\n\n", "\na", "a\nb", "a\r", "a\rb", "a\u2028b", " ", "\t",
    "-", "_", "a" * 63, "a" * 64, "a" * 65, "a" * 64 + "\n", "\u00e9", "caf\u00e9", "\u0661",
    "\uff11", "\U0001f600", "x y", "a.b", "cell-1_A9", "a\x00", "application/json",
    "application/json\n", "application/json\n\n", "application/json ", " application/json",
    "Application/json", "application/JSON", "application/jsonx", "application/xjson",
    "application/+json", "application/vnd.api+json", "application/vnd+api+json",
    "application/a b+json", "application/a\n+json", "application/a+json\n", "application/a+\njson",
    "application/\u00e9+json", "application/a+json+", "application/json+json", "application/",
    "application/son", "applicationjson", "text/plain", "image/png", "application/+json\n",
    "application/x-ipynb+json", "application/a\r+json", "application/vnd.jupyter.widget-view+json",
]


@pytest.mark.parametrize("text", SCHEMA_TEXTS, ids=range(len(SCHEMA_TEXTS)))
def test_the_schema_checks_give_what_the_schemas_regular_expressions_give(text):
    import re

    from vdk.plugin.notebook.engine import schema

    assert schema.id_ok(text) == bool(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", text))
    assert schema.name_ok(text) == bool(re.search(r"^.+$", text))
    assert schema.json_mime_ok(text) == bool(re.match(r"^application/(.*\+)?json$", text))


def test_the_schema_checks_agree_with_the_regular_expressions_on_random_texts():
    """Texts made of the characters the patterns care about, in every mix."""
    import random
    import re

    from vdk.plugin.notebook.engine import schema

    pieces = ["application/", "json", "+", "\n", "a", "Z", "9", "_", "-", ".", " ", "\u00e9", "/"]
    rng = random.Random(11)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(6)))
        assert schema.id_ok(text) == bool(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", text)), text
        assert schema.name_ok(text) == bool(re.search(r"^.+$", text)), text
        assert schema.json_mime_ok(text) == bool(re.match(r"^application/(.*\+)?json$", text)), text


REPORT_TEXTS = ["", "{}\n", "caf\u00e9 \U0001f600\r\n\u2028 end", "x" * 3_000_000 + "\u00e9\n",
                "ok \ud800 lone surrogate", "\n" * 10, "a\x00b"]


@pytest.mark.parametrize("text", REPORT_TEXTS, ids=range(len(REPORT_TEXTS)))
def test_a_report_file_holds_what_a_utf_8_text_file_would(tmp_path, text):
    """write_in writes the encoded text with os.write instead of a text file object: the same
    bytes, and the same error (with no file left) for a text that cannot be encoded."""
    import os

    from vdk.plugin.notebook.engine.report import write_in

    expected = tmp_path / "expected.ipynb"
    try:
        with open(expected, "w", encoding="utf-8") as file:
            file.write(text)
    except UnicodeEncodeError as e:
        error = e
    else:
        error = None
    folder_fd = os.open(tmp_path, os.O_RDONLY)
    try:
        if error is None:
            write_in(folder_fd, "report.ipynb", text)
            assert (tmp_path / "report.ipynb").read_bytes() == expected.read_bytes()
        else:
            with pytest.raises(UnicodeEncodeError) as caught:
                write_in(folder_fd, "report.ipynb", text)
            assert str(caught.value) == str(error)
            assert not (tmp_path / "report.ipynb").exists()
    finally:
        os.close(folder_fd)


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


def _python_version_findings_as_before(notebook, metadata, configured=None):
    """consistency.python_version_findings as it was: each version parsed at every use, this
    Python's version formatted and parsed too."""
    import sys

    from vdk.plugin.notebook.engine.consistency import _major_minor

    saved = (metadata.get("language_info") or {}).get("version")
    if not isinstance(saved, str) or not _major_minor(saved):
        return []
    findings = []
    running = "{}.{}.{}".format(*sys.version_info[:3])
    if _major_minor(saved) != _major_minor(running):
        findings.append(("running", saved, running))
    if configured and _major_minor(configured) and _major_minor(configured) != _major_minor(saved):
        findings.append(("configured", saved, configured))
    return findings


def _versions():
    import sys

    this = "{}.{}".format(*sys.version_info[:2])
    return [None, "", "3", "x.y", " 3.9", "3.9", "3.9.1", this, this + ".0", this + "rc1",
            " " + this, "3.12.1", "2.7.18", "10.0", 3.9]


@pytest.mark.parametrize("configured", _versions()[:-1], ids=range(len(_versions()) - 1))
def test_the_python_version_warnings_are_those_of_the_earlier_code(configured):
    from vdk.plugin.notebook.engine.consistency import python_version_findings

    for saved in _versions():
        metadata = {"language_info": {"name": "python", "version": saved}}
        found = python_version_findings("nb.ipynb", metadata, configured)
        expected = _python_version_findings_as_before("nb.ipynb", metadata, configured)
        assert [(("running" if "this run uses" in f else "configured")) for f in found] == [
            kind for kind, _, _ in expected], (saved, configured)
        for message, (_, saved_text, other) in zip(found, expected):
            assert f"Python {saved_text}" in message and str(other) in message
    assert python_version_findings("nb.ipynb", {}, configured) == []
