"""A notebook that cannot be run stops the job before any step changes data, with a message that
names the file, says what is wrong and what to do. Old notebooks are upgraded in memory."""
from __future__ import annotations

import json
import re

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import notebook
from notebooks import record


def valid() -> dict:
    return notebook([code(record("ran"))])


def without_nbformat_version() -> dict:
    nb = valid()
    del nb["nbformat"]
    return nb


def cell_without_source() -> dict:
    nb = valid()
    del nb["cells"][0]["source"]
    return nb


def unknown_cell_type() -> dict:
    nb = valid()
    nb["cells"][0]["cell_type"] = "sql"
    return nb


def source_is_a_number() -> dict:
    nb = valid()
    nb["cells"][0]["source"] = 42
    return nb


def future_format() -> dict:
    nb = valid()
    nb["nbformat"] = 5
    return nb


BROKEN = {
    "not json": (b'{"cells": [', "not valid JSON"),
    "empty file": (b"", "not valid JSON"),
    "json list": (b"[1, 2, 3]", "not a Jupyter notebook"),
    "json without nbformat": (json.dumps(without_nbformat_version()).encode(), "not a Jupyter notebook"),
    "cell without source": (json.dumps(cell_without_source()).encode(), "does not follow the Jupyter notebook format"),
    "unknown cell type": (json.dumps(unknown_cell_type()).encode(), "does not follow the Jupyter notebook format"),
    "source is a number": (json.dumps(source_is_a_number()).encode(), "does not follow the Jupyter notebook format"),
    "format 5": (json.dumps(future_format()).encode(), "format version 5"),
    "R kernel": (json.dumps(notebook([code("x <- 1")], language="R")).encode(), "written for a R kernel"),
    "not utf-8": (json.dumps(notebook([code("s = 'caf\u00e9'")]), ensure_ascii=False).encode("latin-1"), "not UTF-8"),
}


@pytest.mark.parametrize("content, what", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_notebook_fails_the_job_before_any_step_runs(job, run_job, db, content, what):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_fine.ipynb", valid())
    (job.path / "30_broken.ipynb").write_bytes(content)

    outcome = run_job(job)

    assert outcome.exit_code == 1, outcome.explain()
    assert "events" not in db.tables(), "10_create.sql ran before the broken notebook was found"
    assert what in outcome.output, outcome.output
    assert "Where: 30_broken.ipynb" in outcome.output
    assert "What to do: " in outcome.output
    assert outcome.status == "User error", outcome.explain()
    summary = outcome.output[outcome.output.index("Step results:"):]
    assert re.findall(r"^(\S+) - (\w+)$", summary, re.MULTILINE) == [("30_broken.ipynb", "ERROR")]
    assert "prerequisite or plugin" not in outcome.output  # vdk-core's words for its own faults
    assert (job.path / "30_broken.ipynb").read_bytes() == content


def test_a_utf8_notebook_with_a_byte_order_mark_runs(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    (job.path / "20_bom.ipynb").write_bytes(b"\xef\xbb\xbf" + json.dumps(valid()).encode())
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["ran"]


def test_a_kernelspec_language_that_is_not_a_name_does_not_stop_a_python_notebook(job, run_job, db):
    nb = valid()
    nb["metadata"]["kernelspec"]["language"] = 3  # the schema leaves it untyped
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", nb)
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["ran"]


def v3_notebook() -> dict:
    """nbformat 3, as IPython 2 saved it: worksheets, `input` and `language` on code cells."""
    return {
        "metadata": {"name": "", "signature": ""},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{
            "metadata": {},
            "cells": [
                {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["An old notebook"]},
                {"cell_type": "markdown", "metadata": {}, "source": ["raise ValueError()"]},
                {
                    "cell_type": "code", "collapsed": False, "language": "python", "metadata": {},
                    "input": ["rows = ['v3 cell 1']\n", "rows.append('v3 cell 2')"],
                    "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["old output\n"]}],
                    "prompt_number": 1,
                },
                {
                    "cell_type": "code", "collapsed": False, "language": "python", "metadata": {},
                    "input": ["for what in rows:\n",
                              "    job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{what}')\")"],
                    "outputs": [],
                    "prompt_number": 2,
                },
            ],
        }],
    }


def test_an_nbformat_3_notebook_is_upgraded_in_memory_and_runs(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    path = job.path / "20_old.ipynb"
    path.write_text(json.dumps(v3_notebook(), indent=1), encoding="utf-8")
    before = path.read_bytes()

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["v3 cell 1", "v3 cell 2"]
    assert path.read_bytes() == before


@pytest.mark.parametrize("minor", [0, 4])
def test_older_nbformat_4_notebooks_without_cell_ids_run(job, run_job, db, minor):
    nb = notebook([code(record("first")), code(record("second"))])
    nb["nbformat_minor"] = minor
    for cell in nb["cells"]:
        del cell["id"]
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", nb)
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["first", "second"]


@pytest.mark.parametrize("minor", [4, 5])  # 4.5 requires ids: nbformat makes them up
def test_an_error_in_a_notebook_without_cell_ids_names_the_cell_by_number(job, run_job, db, minor):
    nb = notebook([code("x = 1"), code("y = 2\nraise ValueError('no ids here')")])
    nb["nbformat_minor"] = minor
    for cell in nb["cells"]:
        del cell["id"]
    job.notebook("20_nb.ipynb", nb)
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "Where: 20_nb.ipynb, code cell 2, line 2:\n    raise ValueError('no ids here')" in outcome.output


def test_an_error_in_a_notebook_with_duplicate_cell_ids_names_the_id_in_the_file(job, run_job, db):
    # Jupyter opens such a notebook (a bad merge, say); nbformat replaces the duplicate id.
    nb = notebook([code("x = 1", cell_id="copied"), code("raise ValueError('second')", cell_id="copied")])
    job.notebook("20_nb.ipynb", nb)
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "Where: 20_nb.ipynb, code cell 2 (id copied), line 1:" in outcome.output


def test_an_error_in_an_nbformat_3_notebook_names_the_cell_without_made_up_ids(job, run_job, db):
    nb = v3_notebook()
    nb["worksheets"][0]["cells"][3]["input"] = ["x = 1\n", "raise ValueError('old and failing')"]
    (job.path / "20_old.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "Where: 20_old.ipynb, code cell 2, line 2:\n    raise ValueError('old and failing')" in outcome.output
