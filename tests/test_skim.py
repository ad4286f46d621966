"""A large notebook is read for a run without decoding its saved outputs (engine/skim.py). That
must change nothing a user sees: the same cells, metadata and executed notebook; and every file
the full reading refuses is refused with the very same message, wherever in a skipped string
the fault is. Each case is a notebook over skim's size threshold, read both ways."""
from __future__ import annotations

import base64
import json
import pathlib

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown
from notebooks import notebook
from notebooks import record
from vdk.plugin.notebook.engine import skim
from vdk.plugin.notebook.engine.errors import NotebookError
from vdk.plugin.notebook.engine.prepare import blank_cell
from vdk.plugin.notebook.engine.prepare import prepare_notebook
from vdk.plugin.notebook.engine.reader import read_notebook

PNG = base64.b64encode(bytes(range(256)) * 40).decode("ascii") + "\n"  # 13,656 characters
TEXT = "IMAGE-PLACEHOLDER"


def big_notebook(cells: int = 100) -> dict:
    """Over MIN_FILE_BYTES: code cells, each with a saved image, a stream and an error output."""
    result = []
    for index in range(cells):
        cell = code(f"x{index} = {index}", count=index + 1)
        cell["outputs"] = [
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": TEXT, "text/plain": ["<Figure>"]}},
            {"output_type": "stream", "name": "stdout", "text": [f"line {index}\n"]},
            {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t"]},
        ]
        result.append(cell)
    return notebook([markdown("# Big")] + result + [code(record("big ran"))])


def write(path: pathlib.Path, nb: dict, image: str = PNG, **dumps) -> pathlib.Path:
    text = json.dumps(nb, indent=1, **dumps)
    encoded = json.dumps(image)[1:-1]  # as JSON writes the image string
    path.write_bytes(text.replace(TEXT, encoded).encode("utf-8"))
    assert path.stat().st_size >= skim.MIN_FILE_BYTES
    return path


def both_ways(path: pathlib.Path):
    """(full reading, reading without outputs): each the notebook or the error's message."""
    results = []
    for outputs in (True, False):
        try:
            results.append(read_notebook(path, outputs=outputs))
        except NotebookError as e:
            results.append(e.message())
    return results


def without_outputs(nb: dict) -> dict:
    return {**nb, "cells": [blank_cell(cell) for cell in nb["cells"]]}


def test_a_big_notebook_of_images_is_read_without_decoding_them(tmp_path):
    path = write(tmp_path / "big.ipynb", big_notebook())
    full, skimmed = both_ways(path)
    assert without_outputs(skimmed) == without_outputs(full)
    images = [cell["outputs"][0]["data"]["image/png"] for cell in skimmed["cells"][1:-1]]
    assert images == [skim.MARKER] * 100  # skipped, not decoded
    assert skimmed["cells"][1]["outputs"][1] == full["cells"][1]["outputs"][1]  # short: kept


@pytest.mark.parametrize("image", [
    PNG[:5000] + "\x01" + PNG[5000:],  # a control character (json.dumps escapes it: fine)
    PNG[:5000] + '"quoted" \\ and \u00e9 \u2603' + PNG[5000:],  # escapes, non-ASCII
    PNG[:5000] + "\ue000" + PNG[5000:],  # skim's own marker, escaped by json.dumps
])
def test_strings_that_are_not_plain_base64_read_the_same(tmp_path, image):
    path = write(tmp_path / "big.ipynb", big_notebook(), image=image)
    full, skimmed = both_ways(path)
    assert without_outputs(skimmed) == without_outputs(full)
    assert full["cells"][1]["outputs"][0]["data"]["image/png"] == image


def test_a_notebook_with_utf8_text_is_skimmed_too(tmp_path):
    nb = big_notebook()
    nb["cells"][0]["source"] = ["# Caf\u00e9 \u2603"]
    nb["cells"][5]["outputs"][0]["data"]["image/png"] = PNG[:5000] + "\u00e9" + PNG[5000:]
    path = write(tmp_path / "big.ipynb", nb, ensure_ascii=False)
    assert not path.read_bytes().isascii()
    full, skimmed = both_ways(path)
    assert without_outputs(skimmed) == without_outputs(full)
    images = [cell["outputs"][0]["data"]["image/png"] for cell in skimmed["cells"][1:-1]]
    assert images.count(skim.MARKER) == 99  # all but the one with a non-ASCII character


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "as UTF-8"])
def test_the_marker_itself_in_the_file_is_not_taken_for_a_skipped_string(tmp_path, ensure_ascii):
    nb = big_notebook()
    nb["cells"][1]["outputs"][1]["text"] = ["\ue000"]
    path = write(tmp_path / "big.ipynb", nb, ensure_ascii=ensure_ascii)
    full, skimmed = both_ways(path)
    assert skimmed == full  # read in full: the marker would be ambiguous


def test_long_strings_outside_outputs_are_read_in_full(tmp_path):
    nb = big_notebook()
    nb["cells"][2]["source"] = ["y = '" + "A" * 20_000 + "'\n"]
    nb["cells"][0]["attachments"] = {"pic.png": {"image/png": TEXT}}
    nb["metadata"]["long"] = TEXT
    path = write(tmp_path / "big.ipynb", nb)
    full, skimmed = both_ways(path)
    assert skimmed == full
    assert skimmed["cells"][0]["attachments"]["pic.png"]["image/png"] == PNG


def _replace_last(data: bytes, old: bytes, new: bytes) -> bytes:
    at = data.rindex(old)
    return data[:at] + new + data[at + len(old):]


BROKEN = {
    "raw control character": lambda data: data.replace(b"AAECAw", b"AA\x01Aw", 1),
    "raw tab": lambda data: data.replace(b"AAECAw", b"AA\tAw", 1),
    "raw newline": lambda data: data.replace(b"AAECAw", b"AA\nAw", 1),
    "invalid escape": lambda data: data.replace(b"AAECAw", b"AA\\xAw", 1),
    "short unicode escape": lambda data: data.replace(b"AAECAw", b"AA\\u12", 1),
    "not UTF-8": lambda data: data.replace(b"AAECAw", b"AA\xffAw", 1),
    "not UTF-8, after UTF-8": lambda data: _replace_last(
        data.replace(b"AAECAw", b"AA\xc3\xa9Aw", 1), b"AAECAw", b"AA\xffAw"),
    "truncated": lambda data: data[:len(data) // 2],
    "unterminated image string": lambda data: data[:data.rindex(b'\\n"') + 2],
    "missing comma": lambda data: data.replace(b'\\n",\n', b'\\n"\n', 1),
    "image as a key": lambda data: data.replace(b'\\n",\n', b'\\n": 1,\n', 1),
    "NUL byte": lambda data: data.replace(b"AAECAw", b"AA\x00Aw", 1),
}


@pytest.mark.parametrize("damage", BROKEN.values(), ids=BROKEN.keys())
def test_a_fault_inside_a_skipped_string_gets_the_message_of_the_full_reading(tmp_path, damage):
    path = write(tmp_path / "big.ipynb", big_notebook())
    path.write_bytes(damage(path.read_bytes()))
    full, skimmed = both_ways(path)
    assert isinstance(full, str), "the damage did not break the notebook"
    assert skimmed == full


def test_a_notebook_with_a_fault_in_an_image_output_is_refused_as_before(tmp_path):
    """Valid JSON, but an output that the format does not allow: nbformat's verdict."""
    nb = big_notebook()
    nb["cells"][3]["outputs"][0]["data"]["image/png"] = [TEXT, 7]
    path = write(tmp_path / "big.ipynb", nb)
    full, skimmed = both_ways(path)
    assert isinstance(full, str) and skimmed == full
    assert "does not follow the Jupyter notebook format" in full


def test_a_big_notebook_runs_and_reports_as_before(job, run_job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    path = write(job.path / "20_big.ipynb", big_notebook())
    before = path.read_bytes()
    prepared = prepare_notebook(path)
    assert prepared.skeleton["cells"] == [blank_cell(c) for c in read_notebook(path)["cells"]]

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["big ran"]
    assert path.read_bytes() == before
