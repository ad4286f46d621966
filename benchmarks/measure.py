"""Timing helpers: real `vdk run` subprocesses against a fresh SQLite file, medians, interleaving.

The machine is shared, so every comparison is made between runs interleaved in the same session
(A B C, B C A, C A B, ...) and summarised by the median, and every timed run is checked for the
result it must produce: a benchmark of a run that failed would measure nothing.
"""
from __future__ import annotations

import os
import pathlib
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from typing import Any
from typing import Callable
from typing import NamedTuple
from typing import Sequence

VDK = pathlib.Path(sys.executable).parent / "vdk"


def vdk_env(db: pathlib.Path) -> dict[str, str]:
    env = dict(os.environ)
    # A real installation has bytecode for every module; without it (some sandboxes set this)
    # each run would compile this plugin's sources again, some 15 ms that users never pay.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        VDK_DB_DEFAULT_TYPE="SQLITE",
        VDK_SQLITE_FILE=str(db),
        VDK_INGEST_METHOD_DEFAULT="sqlite",
        # vdk-core asks PyPI for newer versions at the end of each command: network noise.
        VDK_VERSION_CHECK_DISABLED="true",
        # Executed notebooks (written by default) go beside the database, deleted afterwards.
        VDK_NOTEBOOK_REPORT_DIRECTORY=str(db.parent / "reports"),
    )
    return env


class Timing(NamedTuple):
    """Of one `vdk run`: wall seconds, and CPU seconds (user + system, the process and the
    children it waited for). CPU time varies less with other people's load than wall time."""

    wall: float
    cpu: float
    max_rss: int = 0  # peak resident memory of the process, KiB (0: not measured)

    def __str__(self) -> str:
        return f"{self.wall:.3f}s (cpu {self.cpu:.3f}s)"


def vdk_run(job: pathlib.Path, work: pathlib.Path, check_sql: str, expected,
            python_code: str = "", prefix: Sequence[str] = (),
            python: pathlib.Path = pathlib.Path(sys.executable), vdk: pathlib.Path = VDK,
            **extra_env: str) -> tuple[Timing, str]:
    """Run `vdk run job` in a new process against a new SQLite file; return its timing and
    output. Raises if the run fails or `check_sql` does not return `expected` from the
    database. With `python_code`, runs `python -c python_code run job` instead of `vdk`;
    `prefix` goes before the command (a profiler, say); `python` and `vdk` name another
    environment's interpreter and `vdk` script."""
    db = work / "run.sqlite"
    for stale in (db, work / "run.figures"):
        if stale.exists():
            stale.unlink()
    log = work / "run.log"
    env = vdk_env(db)
    env.update(extra_env)
    command = [str(python), "-c", python_code] if python_code else [str(python), str(vdk)]
    command = list(prefix) + command
    figures = work / "run.figures"
    if not prefix:  # through the launcher, which measures the run (see _LAUNCHER)
        command = [sys.executable, "-c", _LAUNCHER, str(figures)] + command
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command + ["run", str(job)], stdout=out,
                                   stderr=subprocess.STDOUT, env=env, cwd=work)
        _, status, usage = os.wait4(process.pid, 0)
        timing = Timing(time.perf_counter() - started, usage.ru_utime + usage.ru_stime)
        process.returncode = code = os.waitstatus_to_exitcode(status)
    if not prefix and figures.exists():
        timing = Timing(*(float(word) for word in figures.read_text().split()))
    output = log.read_text(errors="replace")
    if code != 0:
        raise RuntimeError(f"vdk run {job} exited with {code}; end of its log:\n{output[-3000:]}")
    with sqlite3.connect(db) as connection:
        got = connection.execute(check_sql).fetchall()
    if got != expected:
        raise RuntimeError(f"vdk run {job}: {check_sql} returned {got}, expected {expected}")
    return timing, output


# Starts the command and writes its wall time, CPU time and peak memory to a file. A process
# started straight from the benchmark would report the benchmark's own peak memory if larger:
# Linux keeps a process's high-water mark across fork and exec.
_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as figures:
    figures.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def instructions(job: pathlib.Path, work: pathlib.Path, check_sql: str, expected,
                 **options) -> int:
    """Instructions executed by `vdk run job`, counted by valgrind's callgrind, after an uncounted
    run that writes the bytecode caches (which users have too). Options as for vdk_run."""
    vdk_run(job, work, check_sql, expected, **options)
    out = work / "callgrind.out"
    prefix = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    _, log = vdk_run(job, work, check_sql, expected, prefix=prefix, **options)
    out.unlink()
    return int(re.search(r"Collected : (\d+)", log).group(1))


def interleaved(runs: int, measures: dict[str, Callable[[], Any]], warmup: bool = True
                ) -> dict[str, list]:
    """Call each measure `runs` times, rotating the order every round. A first untimed round
    warms caches (bytecode, page cache) that would otherwise penalise whichever runs first."""
    names = list(measures)
    if warmup:
        for name in names:
            measures[name]()
    results: dict[str, list] = {name: [] for name in names}
    for round_ in range(runs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(measures[name]())
        print(f"  round {round_ + 1}/{runs}: "
              + ", ".join(f"{n} {_show(results[n][-1])}" for n in names), file=sys.stderr)
    return results


def _show(value: Any) -> str:
    return f"{value:.3f}s" if isinstance(value, float) else str(value)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started
