"""`vdk run` stopped with SIGTERM (how Kubernetes stops a pod) during a notebook step ends as
Ctrl-C does: rows already sent for ingestion land, the executed notebook is written with the cell
marked interrupted, and the run fails. Through a real `vdk` process."""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import nbformat

from notebooks import code

VDK = pathlib.Path(sys.executable).parent / "vdk"


def test_sigterm_during_a_cell_flushes_ingestion_and_writes_the_report(job, db, tmp_path):
    started = tmp_path / "cell-2-started"
    job.notebook("20_notebook.ipynb", [
        code("for i in range(200):\n"
             "    job_input.send_object_for_ingestion({'id': i}, destination_table='sent')"),
        code(f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(120)"),
        code("print('never')"),
    ])
    env = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(db.path),
               VDK_INGEST_METHOD_DEFAULT="sqlite",
               VDK_NOTEBOOK_REPORT_DIRECTORY=str(tmp_path / "reports"))
    log = tmp_path / "vdk-run.log"  # a file, not a pipe: a full pipe would block the logging job
    with open(log, "w") as out:
        process = subprocess.Popen([str(VDK), "run", str(job)], env=env, cwd=tmp_path,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), log.read_text()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()

    assert process.returncode != 0, output
    assert db.rows("SELECT count(*) FROM sent") == [(200,)], output
    [path] = (tmp_path / "reports" / "my-job").glob("*/20_notebook.ipynb")
    nb = nbformat.read(path, as_version=4)
    sending, sleeping, never = [c for c in nb.cells if c.cell_type == "code"]
    assert sending.metadata.vdk.status == "ok"
    assert sleeping.metadata.vdk.status == "interrupted"
    assert sleeping.outputs[-1].ename == "Terminated"
    assert "stopped with SIGTERM" in sleeping.outputs[-1].evalue
    assert never.metadata.vdk.status == "not-run"
    assert "vdk run interrupted" in nb.cells[0].source
    assert nb.metadata.vdk.status == "failed"
