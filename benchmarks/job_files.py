"""The data jobs and notebooks the benchmark runs, written into a temporary folder.

One job's work is written three ways (as .py steps, as notebooks of plain Python cells, as
notebooks whose cells use magics), so the only difference between the timed runs is how the code
is stored and executed. Rows are written with `job_input.execute_query`: VDK's ingestion
(`send_object_for_ingestion`) waits a fixed INGESTION_PAYLOAD_AGGREGATOR_TIMEOUT_SECONDS (2 s,
whole seconds only) at the end of every job, which would hide the differences being measured.
"""
from __future__ import annotations

import base64
import json
import os
import pathlib
import textwrap
from typing import Iterable

ROWS = 2000

_CREATE = [
    'job_input.execute_query("create table readings (id integer primary key, sensor text, value real)")',
    'job_input.execute_query("create table summary (sensor text, n integer, mean real)")',
]
_COMPUTE = [
    "import math\nimport random\n\nrng = random.Random(42)\nsensors = ['a', 'b', 'c', 'd']",
    f"rows = [(i, sensors[i % 4], round(math.sin(i / 50) * 100 + rng.random(), 6)) for i in range({ROWS})]",
    "for start in range(0, len(rows), 250):\n"
    "    values = ', '.join(f\"({i}, '{s}', {v})\" for i, s, v in rows[start:start + 250])\n"
    "    job_input.execute_query(f'insert into readings values {values}')",
]
_SUMMARISE = [
    'job_input.execute_query("insert into summary select sensor, count(*), avg(value) from readings group by sensor")',
    f'result = job_input.execute_query("select sum(n) from summary")\nassert result[0][0] == {ROWS}, result',
]

# The same cells with IPython syntax: line and cell magics, a shell command, captured output.
_CREATE_MAGICS = [
    "!echo creating tables\n" + _CREATE[0],
    "%%capture\n" + _CREATE[1],
]
_COMPUTE_MAGICS = [
    _COMPUTE[0],
    "%time " + _COMPUTE[1],
    "%%time\n" + _COMPUTE[2],
]
_SUMMARISE_MAGICS = [
    "%%capture captured\nprint('summarising')\n" + _SUMMARISE[0],
    _SUMMARISE[1] + "\nassert 'summarising' in captured.stdout",
]

STEPS = {"10_create": _CREATE, "20_compute": _COMPUTE, "30_summarise": _SUMMARISE}
STEPS_MAGICS = {
    "10_create": _CREATE_MAGICS,
    "20_compute": _COMPUTE_MAGICS,
    "30_summarise": _SUMMARISE_MAGICS,
}
VARIANTS = ("py", "notebook", "notebook-magics")


def notebook_json(cells: Iterable[str], outputs: Iterable[list] = (), tags: Iterable[str] = ()
                  ) -> dict:
    """An nbformat 4.5 notebook as Jupyter saves it, with a markdown cell first; `tags` on
    every code cell."""
    outputs = list(outputs)
    metadata = {"tags": list(tags)} if tags else {}
    nb_cells = [{"cell_type": "markdown", "id": "intro", "metadata": {},
                 "source": ["# Benchmark notebook\n"]}]
    for index, source in enumerate(cells):
        nb_cells.append({
            "cell_type": "code",
            "execution_count": index + 1,
            "id": f"cell-{index}",
            "metadata": dict(metadata),
            "outputs": outputs[index] if index < len(outputs) else [],
            "source": source.splitlines(True),
        })
    return {
        "cells": nb_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(path: pathlib.Path, nb: dict) -> pathlib.Path:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_py_step(path: pathlib.Path, cells: Iterable[str]) -> pathlib.Path:
    body = "\n".join(textwrap.indent(cell, "    ") for cell in cells)
    path.write_text(f"def run(job_input):\n{body}\n", encoding="utf-8")
    return path


def write_job(folder: pathlib.Path, variant: str) -> pathlib.Path:
    """The benchmark job as `variant` (one of VARIANTS); it asserts its own result."""
    folder.mkdir(parents=True)
    steps = STEPS_MAGICS if variant == "notebook-magics" else STEPS
    for name, cells in steps.items():
        if variant == "py":
            write_py_step(folder / f"{name}.py", cells)
        else:
            write_notebook(folder / f"{name}.ipynb", notebook_json(cells))
    return folder


def many_cells(count: int) -> list[str]:
    """`count` cells of `x += 1` between a first and a last cell; the job stores x."""
    return (["x = 0"] + ["x += 1"] * count
            + ["job_input.execute_query(f'create table result as select {x} as x')"])


def write_many_cells_job(folder: pathlib.Path, variant: str, count: int) -> pathlib.Path:
    folder.mkdir(parents=True)
    if variant == "py":
        write_py_step(folder / "10_cells.py", many_cells(count))
    else:
        write_notebook(folder / "10_cells.ipynb", notebook_json(many_cells(count)))
    return folder


def write_big_notebook(path: pathlib.Path, megabytes: int, source: str = "", last: str = "",
                       tags: Iterable[str] = ()) -> pathlib.Path:
    """A notebook of at least `megabytes` MB of saved outputs, shaped like an analysis notebook:
    per cell a printed log, a matplotlib-sized PNG (base64 text under image/png, as Jupyter
    stores it; random bytes behind a PNG header) and an HTML table as an execute_result.
    `source` (formatted with the cell's `index`) replaces the cells' code, `last` is a last
    cell without outputs."""
    header = b"\x89PNG\r\n\x1a\n"
    image_bytes = 60_000
    rows = "".join(f"<tr><td>{r}</td><td>{r * 0.5}</td></tr>\n" for r in range(30))
    cells, outputs, size = [], [], 0
    while size < megabytes * 1_000_000:
        index = len(cells)
        png = base64.b64encode(header + os.urandom(image_bytes - len(header))).decode("ascii")
        table = f"<table>\n<tr><th>row</th><th>value</th></tr>\n{rows}</table>"
        cells.append((source or "fig = plot_sensor({index})\nfig.show()\nsummary_table({index})"
                      ).format(index=index))
        outputs.append([
            {"name": "stdout", "output_type": "stream",
             "text": [f"sensor {index}: reading batch {b}\n" for b in range(20)]},
            {"data": {"image/png": png + "\n", "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
             "metadata": {}, "output_type": "display_data"},
            {"data": {"text/html": table.splitlines(True), "text/plain": ["   row  value"]},
             "execution_count": index + 1, "metadata": {}, "output_type": "execute_result"},
        ])
        size += len(png) + len(table) + 600
    return write_notebook(path, notebook_json(cells + ([last] if last else []), outputs, tags))
