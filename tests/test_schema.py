"""The fast v4 check may only ever vouch for notebooks nbformat accepts, and reading a notebook
must accept everything nbformat accepts.

The catalogue is generated: every node of a notebook that uses every part of the v4 format is
deleted, replaced by values of the wrong type, or given keys that belong elsewhere. Each variant
is judged by nbformat itself, so the test needs no list of expected answers.
"""
from __future__ import annotations

import copy
import functools
import json
import warnings
from dataclasses import dataclass
from typing import Any
from typing import Iterator
from typing import Optional

import nbformat
import pytest
from vdk.plugin.notebook.engine.errors import InvalidNotebookError
from vdk.plugin.notebook.engine.reader import read_notebook
from vdk.plugin.notebook.engine.schema import is_certainly_valid_v4

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def rich_notebook(minor: int = 5) -> dict:
    """A notebook that uses every part of the nbformat 4 schema a Jupyter user can produce."""
    meta = {"tags": ["vdk", "parameters"], "collapsed": False, "scrolled": "auto",
            "jupyter": {"source_hidden": False, "outputs_hidden": True},
            "execution": {"iopub.execute_input": "2024-01-01T00:00:00.000000Z"}, "name": "load"}
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": "md-1", "metadata": {"tags": ["doc"]},
             "source": ["# Title\n", "![img](attachment:img.png)"],
             "attachments": {"img.png": {"image/png": PNG}}},
            {"cell_type": "raw", "id": "raw-1", "metadata": {"format": "text/plain"}, "source": "raw"},
            {"cell_type": "code", "id": "code-1", "execution_count": 3, "metadata": meta,
             "source": "x = 1\nx",
             "outputs": [
                 {"output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"]},
                 {"output_type": "execute_result", "execution_count": 3, "metadata": {},
                  "data": {"text/plain": ["1"], "application/json": {"a": [1]},
                           "application/vnd.custom+json": [1, 2]}},
                 {"output_type": "display_data", "metadata": {"image/png": {"width": 1}},
                  "data": {"image/png": PNG, "text/html": "<b>x</b>"}},
                 {"output_type": "error", "ename": "ValueError", "evalue": "bad",
                  "traceback": ["line 1", "line 2"]},
             ]},
            {"cell_type": "code", "id": "code-2", "execution_count": None, "metadata": {},
             "source": [], "outputs": []},
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7", "file_extension": ".py",
                              "mimetype": "text/x-python", "pygments_lexer": "ipython3",
                              "codemirror_mode": {"name": "ipython", "version": 3},
                              "nbconvert_exporter": "python"},
            "authors": [{"name": "A. User"}],
            "title": "Orders",
            "orig_nbformat": 4,
            "custom": {"anything": [1, None]},
        },
        "nbformat": 4,
        "nbformat_minor": minor,
    }
    if minor < 5:
        for cell in nb["cells"]:
            del cell["id"]
    return nb


WRONG_VALUES = [None, 0, -1, 1.5, True, "", "x,y", [], ["x", 1], {}, {"x": 1}]
MISPLACED_KEYS = {"extra": 1, "id": "new-id", "transient": {}, "attachments": {}, "outputs": [],
                  "execution_count": 1, "name": "stdout", "text": "t", "metadata": {}, "source": "s",
                  "data": {}, "tags": ["t"], "worksheets": []}


def nodes(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from nodes(child, path + (key,))


def with_change(nb: dict, path: tuple, change) -> dict:
    nb = copy.deepcopy(nb)
    parent = nb
    for key in path[:-1]:
        parent = parent[key]
    change(parent, path[-1])
    return nb


def variants(nb: dict) -> Iterator[tuple[str, dict]]:
    for path in nodes(nb):
        if path:
            yield f"delete {path}", with_change(nb, path, lambda p, k: p.pop(k))
            for wrong in WRONG_VALUES:
                yield f"{path} = {wrong!r}", with_change(
                    nb, path, lambda p, k, w=wrong: p.__setitem__(k, copy.deepcopy(w)))
        target = nb
        for key in path:
            target = target[key]
        if isinstance(target, dict):
            for key, value in MISPLACED_KEYS.items():
                if key not in target:
                    yield f"add {key!r} to {path}", with_change(
                        nb, path + (key,), lambda p, k, v=value: p.__setitem__(k, copy.deepcopy(v))
                    )


def special_cases() -> Iterator[tuple[str, dict]]:
    nb = rich_notebook()
    duplicate = copy.deepcopy(nb)
    duplicate["cells"][1]["id"] = "md-1"
    yield "duplicate cell ids", duplicate
    missing = copy.deepcopy(nb)
    del missing["cells"][2]["id"]
    yield "4.5 cell without id", missing
    for minor in range(0, 5):
        with_ids = rich_notebook(minor)
        with_ids["cells"][0]["id"] = "an-id"
        yield f"4.{minor} cell with an id", with_ids
    future = rich_notebook()
    future["nbformat_minor"] = 6
    yield "4.6 from the future", future
    for name, bad_id in (("newline", "abc\n"), ("65 with newline", "a" * 64 + "\n"), ("space", "a b"),
                         ("65 characters", "a" * 65)):
        odd = copy.deepcopy(nb)
        odd["cells"][0]["id"] = bad_id
        yield f"id with {name}", odd
    for name in ("\n", "x\n", "\nx", "x\ny"):
        odd = copy.deepcopy(nb)
        odd["cells"][2]["metadata"]["name"] = name
        yield f"cell name {name!r}", odd
    tags = copy.deepcopy(nb)
    tags["cells"][2]["metadata"]["tags"] = ["vdk", "vdk"]
    yield "duplicate tags", tags
    yield "minor as string", {**nb, "nbformat_minor": "5"}
    yield "version as float", {**nb, "nbformat": 4.0}


def nbformat_validates(nb: Any) -> bool:
    try:
        nbformat.validate(copy.deepcopy(nb))
    except Exception:  # noqa: BLE001 - ValidationError, or nbformat choking on what is not a notebook
        return False
    return True


def nbformat_reads(text: str) -> bool:
    """What Jupyter does when it opens the file: read, upgrade to v4, validate."""
    try:
        # nbformat.reads without its logging, which formats whole schemas for every error.
        nbformat.validate(nbformat.convert(nbformat.reader.reads(text), 4))
    except Exception:  # noqa: BLE001 - any refusal counts
        return False
    return True


@dataclass(frozen=True)
class Entry:
    name: str
    nb: Any
    validates: bool  # nbformat.validate accepts the dictionary as it is
    reads: bool  # nbformat.reads accepts the file (it may repair on the way)


@functools.lru_cache(maxsize=None)
def catalogue() -> tuple:
    """Judged once: nbformat's verdicts on the whole catalogue cost seconds."""
    notebooks = [(f"valid 4.{m}", rich_notebook(m)) for m in range(6)]
    notebooks += list(variants(rich_notebook(5)))
    notebooks += list(special_cases())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat warns on every repair it makes
        return tuple(
            Entry(name, nb, nbformat_validates(nb), nbformat_reads(json.dumps(nb)))
            for name, nb in notebooks
        )


def test_the_catalogue_holds_both_valid_and_invalid_notebooks():
    entries = catalogue()
    assert len(entries) > 1000
    assert sum(e.validates for e in entries) > 100
    assert sum(not e.validates for e in entries) > 500
    valid = [e for e in entries if e.name.startswith("valid")]
    assert len(valid) == 6 and all(e.validates and is_certainly_valid_v4(e.nb) for e in valid)


def test_the_fast_check_never_vouches_for_what_nbformat_rejects():
    wrongly_vouched = [
        e.name for e in catalogue() if not e.validates and is_certainly_valid_v4(copy.deepcopy(e.nb))
    ]
    assert wrongly_vouched == []


def read(tmp_path, nb: Any) -> Optional[InvalidNotebookError]:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    try:
        read_notebook(path)
    except InvalidNotebookError as e:
        return e
    return None


def test_reading_accepts_everything_nbformat_accepts(tmp_path):
    refused = []
    for entry in catalogue():
        error = read(tmp_path, entry.nb) if entry.reads else None
        if error is not None:
            refused.append(f"{entry.name}: {error.what}")
    assert refused == []


def test_reading_refuses_what_nbformat_refuses_and_says_why(tmp_path):
    accepted = []
    for entry in catalogue():
        if entry.reads:
            continue
        error = read(tmp_path, entry.nb)
        if error is None:
            accepted.append(entry.name)
        else:
            assert error.location.notebook == "nb.ipynb" and error.what and error.to_do
    assert accepted == []


def test_a_notebook_as_jupyter_saves_it_after_running_is_vouched_for(tmp_path):
    """Real kernel outputs (streams, results, rich display, errors) must take the fast path:
    every notebook the fast check sends to nbformat costs a job a large part of its run."""
    nbclient = pytest.importorskip("nbclient")
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# Executed by a real kernel"),
        v4.new_code_cell("print('to stdout')\nimport sys; print('to stderr', file=sys.stderr)"),
        v4.new_code_cell("{'a': 1}"),
        v4.new_code_cell(
            "from IPython.display import HTML, Image, JSON, display\n"
            f"display(Image(data=__import__('base64').b64decode('{PNG}')))\n"
            "display(HTML('<b>bold</b>'), JSON({'k': [1, 2]}))"
        ),
        v4.new_code_cell("raise ValueError('shown in the notebook')", metadata={"tags": ["raises-exception"]}),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3", record_timing=True).execute()
    saved = json.loads(nbformat.writes(nb))
    kinds = {o["output_type"] for cell in saved["cells"] for o in cell.get("outputs", [])}
    assert kinds == {"stream", "execute_result", "display_data", "error"}
    assert nbformat_validates(saved)
    assert is_certainly_valid_v4(saved)
