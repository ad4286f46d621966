"""A long run shows progress: one line when a notebook starts and ends (cells run, duration) and
one INFO line as each cell starts, naming the notebook and the cell."""
from __future__ import annotations

import re

from notebooks import code
from notebooks import markdown


def test_the_log_shows_each_notebook_and_cell_as_it_runs(job, run_job, db):
    job.notebook("20_load.ipynb", [
        markdown("# Load"),
        code("a = 1", cell_id="first"),
        code("raise RuntimeError('left out')", tags=["non-vdk"]),
        code("b = 2", cell_id="third"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    lines = [line for line in outcome.output.splitlines() if "20_load.ipynb" in line]
    started = [i for i, line in enumerate(lines) if re.search(r"\bstart", line)]
    cells = [i for i, line in enumerate(lines) if re.search(r"code cell \d", line)]
    finished = [i for i, line in enumerate(lines) if re.search(r"\bfinish", line)]
    assert len(started) == 1 and len(finished) == 1, lines
    assert re.search(r"code cell 1 \(id first\)", lines[cells[0]])
    assert re.search(r"code cell 3 \(id third\)", lines[cells[1]])
    assert len(cells) == 2 and started[0] < cells[0] < cells[1] < finished[0], lines
    assert all("[INFO ]" in lines[i] for i in cells)
    assert re.search(r"\b2 cells\b.*\b\d+\.\d+ ?s\b", lines[finished[0]]), lines[finished[0]]


def test_an_injected_parameters_cell_is_named_as_such_and_not_counted_as_the_files(job, run_job, db):
    job.notebook("20_load.ipynb", [code("day = 'default'", tags=["parameters"]), code("print(day)")])
    outcome = run_job(job, "--arguments", '{"day": "2026-11-25"}')
    assert outcome.exit_code == 0, outcome.explain()
    assert "20_load.ipynb: starting, 2 of 2 code cells to run, plus the injected-parameters cell" in outcome.output
    assert "20_load.ipynb: running the injected-parameters cell, 2 of 3" in outcome.output
    assert "running code cell 2 (id cell-1), 3 of 3" in outcome.output
    assert "2026-11-25" in outcome.output
