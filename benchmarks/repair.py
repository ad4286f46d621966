"""Benchmark of `vdk repair` (docs/repair.md): what a repair saves, and what it costs.

    .venv/bin/python benchmarks/repair.py [--runs 5] [--extract-seconds 5]

The job of issue 21: 10_extract.py (sleeps --extract-seconds, standing for a slow extraction) ->
20_clean.ipynb -> 30_model.ipynb (fails until a flag file exists) -> 40_publish.sql. A failed run
is recorded once; before each timed repair its run record is put back, so every repair repairs
that same failed run (30 and 40 run, 10 and 20 are skipped). Compared, interleaved in one session:

- full:   `vdk run` of the whole job (what a user does without repair);
- repair: `vdk repair` (plan, lock, record, then 30 and 40);
- reruns: `vdk run` of a copy of the job holding only 30_model.ipynb and 40_publish.sql, the
          steps the repair reruns: the repair's overhead is repair - reruns (target <= 0.3 s);
- failed: `vdk run` of a copy holding only 30_model.ipynb, the failed step alone.

Each run is checked for its exit code and for the rows it must add to runs_log.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import measure


def notebook(cells: list[str]) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "outputs": [],
                   "execution_count": None, "source": source} for i, source in enumerate(cells)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5})


def log_row(step: str) -> str:
    return f"job_input.execute_query(\"INSERT INTO runs_log (step) VALUES ('{step}')\")"


def write_job(folder: pathlib.Path, extract_seconds: float) -> None:
    folder.mkdir(parents=True)
    (folder / "config.ini").write_text("[owner]\nteam = bench\n")
    (folder / "10_extract.py").write_text(
        "import time\n\ndef run(job_input):\n"
        f"    time.sleep({extract_seconds})\n    {log_row('10_extract')}\n")
    (folder / "20_clean.ipynb").write_text(notebook(["cleaned = True", log_row("20_clean")]))
    (folder / "30_model.ipynb").write_text(notebook([
        "import pathlib",
        "assert (job_input.get_job_directory() / 'fixed.flag').exists(), 'not fixed yet'",
        log_row("30_model")]))
    (folder / "40_publish.sql").write_text("INSERT INTO runs_log (step) VALUES ('40_publish')")


def subset(job: pathlib.Path, target: pathlib.Path, names: list[str]) -> pathlib.Path:
    target.mkdir()
    for name in ["config.ini", "fixed.flag", *names]:
        shutil.copy(job / name, target / name)
    return target


class Bench:
    def __init__(self, work: pathlib.Path, extract_seconds: float):
        self.work = work
        self.db = work / "warehouse.sqlite"
        with sqlite3.connect(self.db) as connection:
            connection.execute("CREATE TABLE runs_log (step TEXT)")
        self.env = measure.vdk_env(self.db)
        self.env["XDG_DATA_HOME"] = str(work / "data")
        self.job = work / "my-job"
        self.cpu: dict[str, list[float]] = {}
        write_job(self.job, extract_seconds)

    def count(self) -> int:
        with sqlite3.connect(self.db) as connection:
            return connection.execute("SELECT COUNT(*) FROM runs_log").fetchone()[0]

    def vdk(self, *args: str, expect_code: int = 0, adds: int, name: str = "") -> float:
        """Wall seconds of one `vdk` command; its CPU seconds (user + system) go to self.cpu."""
        before = self.count()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run([str(measure.VDK), *args], env=self.env, cwd=self.work,
                                capture_output=True, text=True)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.setdefault(name, []).append(
            after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
        if result.returncode != expect_code or self.count() - before != adds:
            raise SystemExit(f"vdk {' '.join(args)}: exit code {result.returncode}, "
                             f"{self.count() - before} rows added, expected {adds}\n"
                             f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--extract-seconds", type=float, default=5.0)
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="vdk-repair-bench-"))
    try:
        bench = Bench(work, args.extract_seconds)
        # The failed run to repair: 10 and 20 succeed, 30 fails before writing.
        bench.vdk("run", str(bench.job), expect_code=1, adds=2)
        records = work / "data" / "vdk-jupyter" / "runs"
        failed_records = work / "failed-records"
        shutil.copytree(records, failed_records)
        (bench.job / "fixed.flag").write_text("")
        reruns = subset(bench.job, work / "reruns", ["30_model.ipynb", "40_publish.sql"])
        failed = subset(bench.job, work / "failed", ["30_model.ipynb"])

        def repair() -> float:
            shutil.rmtree(records)
            shutil.copytree(failed_records, records)  # the same failed run, each time
            return bench.vdk("repair", str(bench.job), adds=2, name="repair")

        times = measure.interleaved(args.runs, {
            "full": lambda: bench.vdk("run", str(bench.job), adds=4, name="full"),
            "repair": repair,
            "reruns": lambda: bench.vdk("run", str(reruns), adds=2, name="reruns"),
            "failed": lambda: bench.vdk("run", str(failed), adds=1, name="failed"),
        })
        cpu = {name: measure.median(values[-args.runs:]) for name, values in bench.cpu.items()}
        med = {name: measure.median(values) for name, values in times.items()}
        overhead = med["repair"] - med["reruns"]
        print(f"\nvdk repair benchmark: 10_extract.py sleeps {args.extract_seconds:g} s; "
              f"median of {args.runs} interleaved runs each (wall seconds)")
        for name in ("full", "repair", "reruns", "failed"):
            print(f"  {name:<7} {med[name]:7.3f} s  (min {min(times[name]):.3f}, max {max(times[name]):.3f})")
        print(f"  repair / full rerun:               {med['repair'] / med['full']:.3f}")
        print(f"  repair - the steps it reruns:      {overhead:+.3f} s  (target <= 0.3 s: "
              f"{'met' if overhead <= 0.3 else 'NOT met'})")
        print(f"  repair - the failed step alone:    {med['repair'] - med['failed']:+.3f} s")
        print("CPU seconds (user + system; less sensitive to other load than wall time):")
        print("  " + ", ".join(f"{name} {cpu[name]:.3f} s" for name in ("full", "repair", "reruns", "failed")))
        print(f"  repair - the steps it reruns:      {cpu['repair'] - cpu['reruns']:+.3f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
