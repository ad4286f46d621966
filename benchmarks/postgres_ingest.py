"""100,000 rows ingested into PostgreSQL from a notebook step against the same from a .py step.

    .venv/bin/python benchmarks/postgres_ingest.py [--rows 100000] [--runs 3]

Starts a PostgreSQL server of its own (tests/postgres_server.py: Debian's package, loopback, a
free port, fsync off as in the tests) and, in the same session, runs the real `vdk` on two jobs
whose one step builds the rows and sends them with `send_tabular_data_for_ingestion`: a .py step
(the baseline) and a notebook step with the same code in a cell. Runs are interleaved (py, nb,
py, nb, ...), each against a fresh database, and each checked for its rows. Printed: the median
wall time of the whole `vdk run`, the seconds the send took inside the step (each send waits
until its rows have landed, `ingester_wait_to_finish_after_every_send`), rows per second, the
peak memory (max RSS) of the `vdk run` process, and the notebook/.py ratios. Not a test: speed
is never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))

import postgres_server  # noqa: E402

VDK = pathlib.Path(sys.executable).parent / "vdk"

STEP_CODE = """\
import time
started = time.perf_counter()
rows = [(i, i % 1000 / 100, f"city {{i % 7}}") for i in range({rows})]
job_input.send_tabular_data_for_ingestion(rows, column_names=["id", "amount", "city"],
                                          destination_table="sales")
print(f"SEND_SECONDS={{time.perf_counter() - started:.6f}}")
"""
CREATE = "CREATE TABLE sales (id INTEGER, amount NUMERIC(12, 2), city TEXT)"
CONFIG = "[vdk]\ningester_wait_to_finish_after_every_send = true\n"


def write_jobs(work: pathlib.Path, rows: int) -> dict[str, pathlib.Path]:
    code = STEP_CODE.format(rows=rows)
    py = work / "ingest-py"
    py.mkdir()
    (py / "config.ini").write_text(CONFIG)
    (py / "10_create.sql").write_text(CREATE)
    body = "".join(f"    {line}\n" for line in code.splitlines())
    (py / "20_ingest.py").write_text(f"def run(job_input):\n{body}")
    nb = work / "ingest-nb"
    nb.mkdir()
    (nb / "config.ini").write_text(CONFIG)
    (nb / "10_create.sql").write_text(CREATE)
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "id": "ingest", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": code.splitlines(keepends=True)}]}
    (nb / "20_ingest.ipynb").write_text(json.dumps(notebook, indent=1))
    return {"py": py, "notebook": nb}


def run_once(job: pathlib.Path, database: postgres_server.PostgresDatabase, work: pathlib.Path,
             rows: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VDK_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(database.environment(), VDK_VERSION_CHECK_DISABLED="true",
               VDK_TEMPORARY_WRITE_DIRECTORY=str(work / "tmp"),
               VDK_NOTEBOOK_REPORT_DIRECTORY=str(work / "reports"))
    with tempfile.TemporaryFile(mode="w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen([str(VDK), "run", str(job)], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        raise SystemExit(f"vdk run {job.name} failed:\n{output[-3000:]}")
    landed = database.rows("SELECT count(*) FROM sales")[0][0]
    if landed != rows:
        raise SystemExit(f"vdk run {job.name}: {landed} rows landed, not {rows}")
    send = float(output.split("SEND_SECONDS=")[1].split()[0])
    return {"wall": wall, "send": send, "rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = postgres_server.start_server()
    try:
        with tempfile.TemporaryDirectory(prefix="vdk-pg-bench-") as folder:
            work = pathlib.Path(folder)
            jobs = write_jobs(work, args.rows)
            results: dict[str, list] = {kind: [] for kind in jobs}
            for run in range(args.runs):
                order = list(jobs) if run % 2 == 0 else list(reversed(jobs))
                for kind in order:
                    database = server.database()
                    try:
                        results[kind].append(run_once(jobs[kind], database, work, args.rows))
                    finally:
                        server.drop(database.name)
            report(results, args)
    finally:
        server.stop()


def report(results: dict[str, list], args) -> None:
    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    print(f"PostgreSQL ingestion, {args.rows:,} rows, median of {args.runs} interleaved runs "
          "(same server, same session)")
    print(f"{'':28}{'.py step':>14}{'notebook step':>16}{'ratio nb/py':>14}")
    for key, label, unit in (("wall", "vdk run, wall", "s"), ("send", "send in the step", "s"),
                             ("rss_mb", "peak memory (max RSS)", "MB")):
        py, nb = median("py", key), median("notebook", key)
        print(f"{label:28}{py:>12.3f} {unit}{nb:>14.3f} {unit}{nb / py:>14.3f}")
    for key, label in (("send", "rows/s (send in the step)"), ("wall", "rows/s (whole vdk run)")):
        py, nb = args.rows / median("py", key), args.rows / median("notebook", key)
        print(f"{label:28}{py:>14,.0f}{nb:>16,.0f}{nb / py:>14.3f}")


if __name__ == "__main__":
    main()
