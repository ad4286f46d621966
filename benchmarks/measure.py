"""Timing helpers: real `vdk run` subprocesses against a fresh SQLite file, medians, interleaving.

The machine is shared, so every comparison is made between runs interleaved in the same session
(A B C, B C A, C A B, ...) and summarised by the median, and every timed run is checked for the
result it must produce: a benchmark of a run that failed would measure nothing.
"""
from __future__ import annotations

import os
import pathlib
import sqlite3
import statistics
import subprocess
import sys
import time
from typing import Callable
from typing import Sequence

VDK = pathlib.Path(sys.executable).parent / "vdk"


def vdk_env(db: pathlib.Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        VDK_DB_DEFAULT_TYPE="SQLITE",
        VDK_SQLITE_FILE=str(db),
        VDK_INGEST_METHOD_DEFAULT="sqlite",
        # vdk-core asks PyPI for newer versions at the end of each command: network noise.
        VDK_VERSION_CHECK_DISABLED="true",
    )
    return env


def timed_vdk_run(job: pathlib.Path, work: pathlib.Path, check_sql: str, expected) -> float:
    """Wall time of `vdk run job` in a new process, against a new SQLite file.

    Raises if the run fails or `check_sql` does not return `expected` from the database."""
    return checked_vdk_run(job, work, check_sql, expected)[0]


def checked_vdk_run(job: pathlib.Path, work: pathlib.Path, check_sql: str, expected,
                    python_code: str = "", **extra_env: str) -> tuple[float, str]:
    """Run `vdk run job` as `timed_vdk_run` does; return its wall time and its output.
    With `python_code`, run `python -c python_code run job` instead of the `vdk` script."""
    db = work / "run.sqlite"
    if db.exists():
        db.unlink()
    log = work / "run.log"
    env = vdk_env(db)
    env.update(extra_env)
    with open(log, "wb") as out:
        started = time.perf_counter()
        command = [sys.executable, "-c", python_code] if python_code else [str(VDK)]
        code = subprocess.call(command + ["run", str(job)], stdout=out, stderr=subprocess.STDOUT,
                               env=env, cwd=work)
        seconds = time.perf_counter() - started
    output = log.read_text(errors="replace")
    if code != 0:
        raise RuntimeError(f"vdk run {job} exited with {code}; end of its log:\n{output[-3000:]}")
    with sqlite3.connect(db) as connection:
        got = connection.execute(check_sql).fetchall()
    if got != expected:
        raise RuntimeError(f"vdk run {job}: {check_sql} returned {got}, expected {expected}")
    return seconds, output


def interleaved(runs: int, measures: dict[str, Callable[[], float]], warmup: bool = True
                ) -> dict[str, list[float]]:
    """Call each measure `runs` times, rotating the order every round. A first untimed round
    warms caches (bytecode, page cache) that would otherwise penalise whichever runs first."""
    names = list(measures)
    if warmup:
        for name in names:
            measures[name]()
    results: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(runs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(measures[name]())
        print(f"  round {round_ + 1}/{runs}: "
              + ", ".join(f"{n} {results[n][-1]:.3f}s" for n in names), file=sys.stderr)
    return results


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started
