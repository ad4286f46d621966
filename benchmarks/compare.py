"""vdk-jupyter and the old vdk-notebook plugin side by side, each against `.py` steps of the same
work in its own environment (see environments.py), on the workloads of the project's issue 11.

Every workload is one job written twice: as notebooks and as `.py` steps with the same code.
The notebooks tag every code cell `vdk`, because the old plugin runs only those (vdk-jupyter then
runs only those too: here, all of them), so both plugins run the very same files. Each plugin's
ratio is notebook job / `.py` job in that plugin's own environment; the job without notebooks is
measured in each environment against the environment without any notebook plugin.
"""
from __future__ import annotations

import hashlib
import json
import math
import pathlib
import re
import shutil
import sys
from typing import Callable
from typing import NamedTuple
from typing import Sequence

import environments
import job_files
import measure

TAGS = ("vdk",)


class Workload(NamedTuple):
    key: str  # what --workloads names it by
    name: str
    target: float
    write: Callable[[pathlib.Path, pathlib.Path], None]  # (notebook job folder, .py job folder)
    check: tuple[str, list]  # SQL run on the database afterwards, and the rows it must return


def _steps(steps: dict[str, list[str]]) -> Callable[[pathlib.Path, pathlib.Path], None]:
    def write(notebook_job: pathlib.Path, py_job: pathlib.Path) -> None:
        notebook_job.mkdir(parents=True)
        py_job.mkdir(parents=True)
        for name, cells in steps.items():
            job_files.write_py_step(py_job / f"{name}.py", cells)
            job_files.write_notebook(notebook_job / f"{name}.ipynb",
                                     job_files.notebook_json(cells, tags=TAGS))
    return write


_QUERIES = [
    'job_input.execute_query("create table t (i integer, square integer)")',
    "for i in range(98):\n    job_input.execute_query(f'insert into t values ({i}, {i * i})')",
    'job_input.execute_query("create table result as select count(*) as n from t")',
]


def _notebook_cells(k: int) -> list[str]:
    return ["rows = []", f"for i in range(10):\n    rows.append(i * {k})", "total = sum(rows)",
            f"table = 't_{k:02d}'",
            "job_input.execute_query(f'create table {table} as select {total} as total')"]


_NOTEBOOKS = {f"{k:02d}_part": _notebook_cells(k) for k in range(20)}
_NOTEBOOKS_CHECK = " + ".join(f"(select total from t_{k:02d})" for k in range(20))
_BIG_CELL = "value = {index} * 2"
_BIG_LAST = "job_input.execute_query(f'create table result as select {value} as x')"


def _big(megabytes: int) -> Callable[[pathlib.Path, pathlib.Path], None]:
    def write(notebook_job: pathlib.Path, py_job: pathlib.Path) -> None:
        notebook_job.mkdir(parents=True)
        py_job.mkdir(parents=True)
        path = job_files.write_big_notebook(notebook_job / "10_big.ipynb", megabytes, _BIG_CELL,
                                            _BIG_LAST, TAGS)
        cells = [cell["source"] for cell in json.loads(path.read_text())["cells"]
                 if cell["cell_type"] == "code"]
        job_files.write_py_step(py_job / "10_big.py", ["".join(source) for source in cells])
    return write


def workloads(megabytes: int) -> list[Workload]:
    return [
        Workload("queries", "3 cells, 100 execute_query", 1.03,
                 _steps({"10_queries": _QUERIES}),
                 ("select n from result", [(98,)])),
        Workload("cells", "200 plain-Python cells", 1.10,
                 _steps({"10_cells": job_files.many_cells(198)}),
                 # Not x's value: the old plugin runs cell 10 before cell 2 (it sorts the cells'
                 # step names as strings), so only the first cell is sure to run first.
                 ("select count(*) from result", [(1,)])),
        Workload("notebooks", "20 notebooks x 5 cells", 1.05,
                 _steps(_NOTEBOOKS),
                 (f"select {_NOTEBOOKS_CHECK}", [(sum(45 * k for k in range(20)),)])),
        Workload("big", f"{megabytes} MB notebook of saved images", 1.40,
                 _big(megabytes), ("select count(*) from result", [(1,)])),
    ]


class Side(NamedTuple):
    """One plugin's figures for one workload: notebook job against .py job in its environment."""

    instructions: float  # ratio
    wall: float  # ratio of medians
    memory: float  # max RSS, notebook job minus .py job, MiB (medians)
    # vdk-jupyter's instruction ratio with NOTEBOOK_REPORT=false: the old plugin writes no
    # executed notebook, so this is the like-for-like figure (nan: not counted)
    without_report: float = math.nan


def _mib(kib: float) -> float:
    return kib / 1024


def _side(counts: dict, times: dict, nb: str, py: str) -> Side:
    if not times[nb]:  # no timed runs
        return Side(counts[nb] / counts[py], math.nan, math.nan)
    wall = measure.median([t.wall for t in times[nb]]) / measure.median([t.wall for t in times[py]])
    memory = _mib(measure.median([t.max_rss for t in times[nb]])
                  - measure.median([t.max_rss for t in times[py]]))
    return Side(counts[nb] / counts[py], wall, memory)


WORKLOADS = ("queries", "cells", "notebooks", "big", "no-notebooks")


def compare(work: pathlib.Path, runs: int, megabytes: int, callgrind: bool,
            chosen: Sequence[str] = WORKLOADS) -> list[tuple]:
    """(workload, target, ours: Side, old: Side) per workload, then the job without notebooks;
    only the `chosen` workloads (keys of WORKLOADS). With no timed runs (`runs` 0) the wall
    times and memory are left out (nan): instruction counts alone, for quick iteration."""
    unknown = set(chosen) - set(WORKLOADS)
    if unknown:
        raise ValueError(f"unknown workloads {sorted(unknown)}: choose from {WORKLOADS}")
    envs = environments.prepare()
    results = []
    for workload in workloads(megabytes):
        if workload.key not in chosen:
            continue
        folder = work / re.sub(r"\W+", "-", workload.name)
        workload.write(folder / "notebooks", folder / "py")
        variants = {f"{env}-{kind}": (envs[env], folder / ("py" if kind == "py" else "notebooks"))
                    for env in ("ours", "old") for kind in ("nb", "py")}
        print(f"  {workload.name}", file=sys.stderr)
        (ours, old), counts = _measure(work, runs, callgrind, variants, workload.check,
                                       (("ours-nb", "ours-py"), ("old-nb", "old-py")))
        if callgrind:
            env, job = variants["ours-nb"]
            count = measure.instructions(job, work, *workload.check, python=env.python,
                                         vdk=env.vdk, VDK_NOTEBOOK_REPORT="false")
            print(f"    ours-nb without the report: {count:,.0f} instructions", file=sys.stderr)
            ours = ours._replace(without_report=count / counts["ours-py"])
        results.append((workload.name, workload.target, ours, old))
        shutil.rmtree(folder)
    if "no-notebooks" not in chosen:
        return results
    job = job_files.write_job(work / "no-notebooks", "py")
    check = ("select sum(n) from summary", [(job_files.ROWS,)])
    print("  a job without notebooks", file=sys.stderr)
    variants = {name: (envs[name], job) for name in ("base", "ours", "old")}
    sides, _ = _measure(work, runs, callgrind, variants, check, (("ours", "base"), ("old", "base")))
    results.append(("job with no notebooks, plugin installed vs not", 1.01, *sides))
    added = sorted(set(envs["ours"].distributions()) - set(envs["base"].distributions()))
    old_added = sorted(set(envs["old"].distributions()) - set(envs["base"].distributions()))
    results.append(("distributions installing the plugin adds", None, added, old_added))
    return results


def _measure(work: pathlib.Path, runs: int, callgrind: bool, variants: dict, check: tuple,
             pairs: tuple) -> tuple[list[Side], dict]:
    """The Side of each (notebook, baseline) pair of `variants`, and each variant's count."""
    def run(name: str, **options):
        env, job = variants[name]
        return measure.vdk_run(job, work, *check, python=env.python, vdk=env.vdk, **options)[0]

    times = measure.interleaved(runs, {name: (lambda name=name: run(name)) for name in variants},
                                warmup=runs > 0)
    counts = {name: 1.0 for name in variants}
    if callgrind:
        for name, (env, job) in variants.items():
            counts[name] = _instructions(env, job, work, check, cached=runs == 0)
            print(f"    {name}: {counts[name]:,.0f} instructions", file=sys.stderr)
    return [_side(counts, times, *pair) for pair in pairs], counts


def _instructions(env: environments.Environment, job: pathlib.Path, work: pathlib.Path,
                  check: tuple, cached: bool) -> int:
    """Callgrind's count for `job` in `env`. When `cached`, the counts of the environments that
    do not change with this checkout (all but `ours`) are kept in their folder, keyed by the
    job's files, so a quick run (--runs 0) counts only vdk-jupyter's side again."""
    if not cached or env.name == "ours":
        return measure.instructions(job, work, *check, python=env.python, vdk=env.vdk)
    digest = hashlib.sha256()
    for path in sorted(path for path in job.iterdir() if path.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    store = env.folder / "instruction-counts.json"
    known = json.loads(store.read_text()) if store.is_file() else {}
    key = digest.hexdigest()
    if key not in known:
        known[key] = measure.instructions(job, work, *check, python=env.python, vdk=env.vdk)
        store.write_text(json.dumps(known))
    return known[key]
