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
