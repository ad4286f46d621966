"""Benchmarks of vdk-jupyter: notebook steps against the same code as .py steps, in one run.

    .venv/bin/python benchmarks/run.py [--runs 7] [--cells 1000] [--megabytes 110] [--only jobs,cells]

Every figure is a ratio or a difference against a baseline measured in the same run, interleaved
with it, so a busy machine slows both sides alike. Jobs are generated into a temporary folder
and run with the real `vdk` of this venv against a new SQLite file each time. Not part of the
test suite: speed is never asserted in tests.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import shutil
import sys
import tempfile
from typing import Callable
from typing import NamedTuple
from typing import Optional

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import job_files
import measure


class Row(NamedTuple):
    what: str
    measured: str
    target: str = ""
    ok: Optional[bool] = None


def _spread(values: list) -> str:
    return f"{measure.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def _runs(timings: list) -> tuple[list, list]:
    return [t.wall for t in timings], [t.cpu for t in timings]


def bench_jobs(work: pathlib.Path, args) -> list[Row]:
    """`vdk run` of the same job as .py steps, plain notebooks, notebooks with magics."""
    jobs = {v: job_files.write_job(work / f"job-{v}", v) for v in job_files.VARIANTS}
    check = ("select sum(n) from summary", [(job_files.ROWS,)])
    times = measure.interleaved(args.runs, {
        v: (lambda job=job: measure.vdk_run(job, work, *check)[0]) for v, job in jobs.items()
    })
    py_wall, py_cpu = _runs(times["py"])
    rows = [Row(f"vdk run, 3 .py steps: wall (median of {args.runs})", _spread(py_wall)),
            Row("  cpu", _spread(py_cpu))]
    for variant, label, target in (("notebook", "plain Python cells", 1.05),
                                   ("notebook-magics", "cells with magics", 1.5)):
        wall, cpu = _runs(times[variant])
        ratio = measure.median(wall) / measure.median(py_wall)
        cpu_ratio = measure.median(cpu) / measure.median(py_cpu)
        rows += [
            Row(f"vdk run, 3 notebooks, {label}: wall", _spread(wall)),
            Row("  cpu", _spread(cpu)),
            Row("  ratio notebooks / .py, wall", f"{ratio:.3f}", f"<= {target}", ratio <= target),
            Row("  ratio notebooks / .py, cpu", f"{cpu_ratio:.3f}", f"<= {target}",
                cpu_ratio <= target),
        ]
    return rows


def bench_cells(work: pathlib.Path, args) -> list[Row]:
    """Per-cell overhead: a notebook of many `x += 1` cells against the same lines in a .py step,
    as `vdk run` subprocesses and in-process (no process start, no VDK); and what writing the
    executed notebook (the run report, on by default) costs for that notebook."""
    count = args.cells
    jobs = {v: job_files.write_many_cells_job(work / f"cells-{v}", v, count)
            for v in ("py", "notebook")}
    check = ("select x from result", [(count,)])
    times = measure.interleaved(args.runs, {
        "py": lambda: measure.vdk_run(jobs["py"], work, *check)[0],
        "notebook": lambda: measure.vdk_run(jobs["notebook"], work, *check)[0],
        "no-report": lambda: measure.vdk_run(jobs["notebook"], work, *check,
                                             VDK_NOTEBOOK_REPORT="false")[0],
    })
    rows = []
    for kind in ("wall", "cpu"):
        py, nb, bare = ([getattr(t, kind) for t in times[v]]
                        for v in ("py", "notebook", "no-report"))
        per_cell = (measure.median(nb) - measure.median(py)) / count * 1000
        report = (measure.median(nb) - measure.median(bare)) * 1000
        rows += [
            Row(f"vdk run, {count} lines in one .py step: {kind}", _spread(py)),
            Row(f"vdk run, {count}-cell notebook: {kind}", _spread(nb)),
            Row(f"  overhead per cell ({kind})", f"{per_cell:.3f} ms", "< 1 ms", per_cell < 1),
            Row(f"  of which writing its report ({kind})", f"{report:.1f} ms"),
        ]
    return rows + _cells_in_process(jobs, count, max(args.runs, 15))


def _cells_in_process(jobs: dict, count: int, runs: int) -> list[Row]:
    from vdk.plugin.notebook.engine.execute import run_cells
    from vdk.plugin.notebook.engine.prepare import prepare_notebook

    notebook = jobs["notebook"] / "10_cells.ipynb"
    script = jobs["py"] / "10_cells.py"
    expected_query = f"create table result as select {count} as x"

    class JobInput:
        def __init__(self):
            self.queries: list[str] = []

        def execute_query(self, query: str) -> list:
            self.queries.append(query)
            return []

    def namespace() -> dict:
        return {"__name__": "__main__", "job_input": JobInput()}

    def baseline() -> float:  # what vdk-core does with a .py step: load the module, call run()
        ns = namespace()
        seconds = measure.timed(lambda: (
            exec(compile(script.read_text(), str(script), "exec"), ns), ns["run"](ns["job_input"])))
        assert ns["job_input"].queries == [expected_query]
        return seconds

    prepare_times, run_times = [], []

    def ours() -> float:
        ns = namespace()
        prepared = []
        prepare_times.append(measure.timed(lambda: prepared.append(prepare_notebook(notebook))))
        cells = prepared[0].cells
        run_times.append(measure.timed(
            lambda: run_cells(notebook.name, cells, ns, run_sql=ns["job_input"].execute_query)))
        assert ns["job_input"].queries == [expected_query]
        return prepare_times[-1] + run_times[-1]

    times = measure.interleaved(runs, {"exec": baseline, "notebook": ours})
    base = measure.median(times["exec"])
    per_cell = (measure.median(times["notebook"]) - base) / count * 1000
    return [
        Row(f"in-process: compile + exec of {count} lines", f"{base * 1000:.1f} ms"),
        Row(f"in-process: prepare_notebook, {count} cells",
            f"{measure.median(prepare_times) * 1000:.1f} ms"),
        Row(f"in-process: run_cells, {count} cells", f"{measure.median(run_times) * 1000:.1f} ms"),
        Row("  overhead per cell (in-process)", f"{per_cell:.3f} ms", "< 1 ms", per_cell < 1),
    ]


def bench_big_notebook(work: pathlib.Path, args) -> list[Row]:
    """Loading a notebook of saved image outputs against json.load of the same file."""
    import nbformat

    from vdk.plugin.notebook.engine.prepare import prepare_notebook
    from vdk.plugin.notebook.engine.reader import read_notebook
    from vdk.plugin.notebook.engine.schema import is_certainly_valid_v4

    path = job_files.write_big_notebook(work / "big.ipynb", args.megabytes)
    size = path.stat().st_size / 1e6

    def json_load():
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    assert read_notebook(path) == json_load(), "read_notebook changed the notebook"
    fast = is_certainly_valid_v4(json_load())  # else read_notebook hands it to nbformat
    times = measure.interleaved(args.runs, {
        "json.load": lambda: measure.timed(json_load),
        "read_notebook": lambda: measure.timed(lambda: read_notebook(path)),
        "prepare_notebook": lambda: measure.timed(lambda: prepare_notebook(path)),
        "nbformat.read": lambda: measure.timed(lambda: nbformat.read(str(path), as_version=4)),
    })
    base = measure.median(times["json.load"])
    rows = [Row(f"json.load of a {size:.0f} MB notebook", _spread(times["json.load"])),
            Row("  read without nbformat (fast v4 check vouches for it)", "yes" if fast else "no",
                "yes", fast)]
    for name in ("read_notebook", "prepare_notebook", "nbformat.read"):
        ratio = measure.median(times[name]) / base
        target = "< 2" if name != "nbformat.read" else "(reference)"
        rows.append(Row(f"{name} of it", _spread(times[name])))
        rows.append(Row(f"  ratio {name} / json.load", f"{ratio:.2f}", target,
                        ratio < 2 if name != "nbformat.read" else None))
    return rows


HEAVY = ("IPython", "nbformat", "jsonschema", "traitlets", "nbclient", "jupyter_client")

# `vdk run` with the loading of each plugin's entry point timed, and the heavy modules it
# imported listed at exit. (-X importtime cannot tell: it prints no line for a module imported
# through importlib.import_module, which is how entry points are loaded.)
_PROBE = f"""
import atexit, importlib.metadata, sys, time
load = importlib.metadata.EntryPoint.load
def timed_load(self):
    started = time.perf_counter()
    try:
        return load(self)
    finally:
        print("PROBE-LOAD", self.name, time.perf_counter() - started, file=sys.stderr)
importlib.metadata.EntryPoint.load = timed_load
atexit.register(lambda: print("PROBE-HEAVY", *sorted({{m.split('.')[0] for m in sys.modules}}
                                                     & set({HEAVY!r})), file=sys.stderr))
sys.argv[0] = "vdk"
from vdk.internal.cli_entry import main
main()
"""


def bench_imports(work: pathlib.Path, args) -> list[Row]:
    """What loading the plugin costs a `vdk run` (modules vdk-core has already imported count
    nothing), and which heavy modules each kind of job imports."""
    check = ("select sum(n) from summary", [(job_files.ROWS,)])
    rows, costs = [], []
    for variant in job_files.VARIANTS:
        job = work / f"job-{variant}"
        if not job.exists():
            job_files.write_job(job, variant)
        heavy = set()
        for _ in range(args.runs if variant == "py" else 1):
            output = measure.vdk_run(job, work, *check, python_code=_PROBE)[1]
            for line in output.splitlines():
                words = line.split()
                if words[:2] == ["PROBE-LOAD", "notebook"] and variant == "py":
                    costs.append(float(words[2]))
                elif words[:1] == ["PROBE-HEAVY"]:
                    heavy |= set(words[1:])
        if variant == "notebook-magics":
            target, ok = "IPython, not nbformat", "IPython" in heavy and "nbformat" not in heavy
        else:
            target, ok = "none", not heavy
        rows.append(Row(f"heavy modules loaded by vdk run, {variant} job",
                        ", ".join(sorted(heavy)) or "none", target, ok))
    if len(costs) != args.runs:
        raise RuntimeError("the probe did not see the 'notebook' entry point load")
    ms = measure.median(costs) * 1000
    return [Row(f"loading the plugin's entry point in vdk run (median of {args.runs})",
                f"{ms:.1f} ms")] + rows


def bench_instructions(work: pathlib.Path, args) -> list[Row]:
    """Instructions executed by `vdk run` of each job variant, counted by valgrind's callgrind.

    Unlike time, the count hardly moves with the machine's load, so this ratio is the steady one.
    It is slow (about 20 s a run), hence one run per variant.
    """
    if shutil.which("valgrind") is None:
        return [Row("instructions (callgrind)", "valgrind not installed: skipped")]
    check = ("select sum(n) from summary", [(job_files.ROWS,)])
    counts = {}
    for variant in job_files.VARIANTS:
        job = job_files.write_job(work / f"instr-{variant}", variant)
        counts[variant] = measure.instructions(job, work, *check)
        print(f"  {variant}: {counts[variant]:,} instructions", file=sys.stderr)
    rows = [Row("instructions, 3 .py steps", f"{counts['py'] / 1e6:,.0f} M")]
    for variant, label, target in (("notebook", "plain Python cells", 1.05),
                                   ("notebook-magics", "cells with magics", 1.5)):
        ratio = counts[variant] / counts["py"]
        rows += [Row(f"instructions, 3 notebooks, {label}", f"{counts[variant] / 1e6:,.0f} M"),
                 Row("  ratio notebooks / .py, instructions", f"{ratio:.3f}", f"<= {target}",
                     ratio <= target)]
    return rows


def bench_old_plugin(work: pathlib.Path, args) -> list[Row]:
    """vdk-jupyter and the old vdk-notebook plugin side by side, each in its own environment."""
    import compare

    callgrind = shutil.which("valgrind") is not None
    rows = [] if callgrind else [Row("instructions (callgrind)", "valgrind not installed")]
    chosen = args.workloads.split(",")
    for name, target, ours, old in compare.compare(work, args.runs, args.old_megabytes, callgrind,
                                                   chosen):
        if target is None:  # the distributions each plugin brings
            rows.append(Row(name, f"{len(ours)}  old plugin {len(old)}"))
            print(f"  installing vdk-jupyter adds: {', '.join(ours)}", file=sys.stderr)
            continue
        per = "installed / not" if "no notebooks" in name else "notebooks / .py"
        if callgrind:
            rows.append(Row(f"{name}: instructions {per}",
                            f"{ours.instructions:.3f}  old plugin {old.instructions:.3f}",
                            f"<= {target}", ours.instructions <= target))
            if not math.isnan(ours.without_report):  # counted
                rows.append(Row("  vdk-jupyter with NOTEBOOK_REPORT=false (the old plugin "
                                "writes no executed notebook)", f"{ours.without_report:.3f}",
                                f"<= {target}", ours.without_report <= target))
        if args.runs == 0:  # instruction counts only
            continue
        rows.append(Row(f"  wall-time medians {per}", f"{ours.wall:.3f}  old plugin {old.wall:.3f}"))
        rows.append(Row(f"  peak memory (max RSS), {per.replace(' / ', ' - ')}",
                        f"{ours.memory:+.1f} MiB  old plugin {old.memory:+.1f} MiB"))
    return rows


BENCHES: dict[str, Callable[[pathlib.Path, argparse.Namespace], list[Row]]] = {
    "jobs": bench_jobs,
    "cells": bench_cells,
    "big": bench_big_notebook,
    "imports": bench_imports,
    "instructions": bench_instructions,
    "old-plugin": bench_old_plugin,
}


def print_table(rows: list[Row]) -> None:
    width = max(len(r.what) for r in rows)
    value = max(len(r.measured) for r in rows)
    print(f"\n{'what':<{width}}  {'measured':<{value}}  target")
    print("-" * (width + value + 20))
    for r in rows:
        verdict = "" if r.ok is None else ("  ok" if r.ok else "  MISSED")
        print(f"{r.what:<{width}}  {r.measured:<{value}}  {r.target}{verdict}".rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each variant")
    parser.add_argument("--cells", type=int, default=1000, help="cells of the many-cell notebook")
    parser.add_argument("--megabytes", type=int, default=110, help="size of the big notebook")
    parser.add_argument("--old-megabytes", type=int, default=50,
                        help="size of the big notebook of the old-plugin comparison")
    parser.add_argument("--workloads", default="queries,cells,notebooks,big,no-notebooks",
                        help="old-plugin workloads to run, comma-separated (with --runs 0: "
                        "instruction counts only, the quick way to compare a change)")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated: "
                        + ", ".join(BENCHES))
    args = parser.parse_args()
    rows: list[Row] = []
    load_before = os.getloadavg()[0]
    # In memory where possible: the SQLite file's fsync latency on a shared disk is noise that
    # every variant pays alike.
    shm = pathlib.Path("/dev/shm")
    folder = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="vdk-jupyter-bench-", dir=folder) as tmp:
        for name in args.only.split(","):
            print(f"[{name}] {BENCHES[name].__doc__.splitlines()[0]}", file=sys.stderr)
            rows += BENCHES[name](pathlib.Path(tmp), args)
    load_after = os.getloadavg()[0]
    print_table(rows)
    print(f"\nMedians of wall-clock and CPU time (user + system, with child processes); load "
          f"average {load_before:.2f} before, {load_after:.2f} after on {os.cpu_count()} CPUs. "
          "On a shared machine wall time swings with other people's work: compare ratios, "
          "and trust the CPU ratios more; instruction counts (section 'instructions') move least.")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
