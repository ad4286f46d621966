"""What runs in Jupyter is what `vdk run` runs: a notebook executed cell by cell in the installed
"VDK (Python 3)" kernel, as a user runs it, lands the same rows as `vdk run` of the same file, and
the file needs no change in between. Also the magics and finalisation in a real kernel.

Kernels start as Jupyter starts them (nbclient, kernelspec "vdk", working directory = the job
folder) and inherit this process's environment, so VDK_* variables point them at SQLite.
"""
from __future__ import annotations

import json
import pathlib
import re
import sqlite3
import subprocess
import sys

import nbformat
import pytest
from jupyter_core.utils import run_sync

from kernels import kernel_sockets
from kernels import notebook_client
from notebooks import code
from notebooks import markdown

VDK = pathlib.Path(sys.executable).parent / "vdk"
ARGUMENTS = '{"day": "2026-11-25"}'

SALES_NOTEBOOK = [
    markdown("# Daily sales\nLoads the day's sales; run with `--arguments '{\"day\": ...}'`."),
    code("%load_ext vdk.plugin.notebook"),  # a habit from plain kernels: harmless in both places
    code(f"%%non-vdk\n%vdk --arguments '{ARGUMENTS}'"),
    code("%%vdksql\nCREATE TABLE sales (day TEXT, region TEXT, amount INTEGER)"),
    code("%%vdksql\nINSERT INTO sales VALUES ('{day}', 'north', 10)"),
    code("day = job_input.get_arguments()['day']\n"
         "for region, amount in [('south', 20), ('east', 30)]:\n"
         "    job_input.send_object_for_ingestion(\n"
         "        {'day': day, 'region': region, 'amount': amount}, destination_table='sales')"),
    code("%%vdksql\nSELECT region, amount FROM sales ORDER BY region", tags=["non-vdk"]),
    code("%time north = job_input.execute_query(\"SELECT amount FROM sales WHERE region = 'north'\")"),
    code("job_input.send_object_for_ingestion(\n"
         "    {'day': day, 'region': 'total-north', 'amount': north[0][0] * 2},\n"
         "    destination_table='sales')"),
]
EXPECTED = [
    ("2026-11-25", "east", 30),
    ("2026-11-25", "north", 10),
    ("2026-11-25", "south", 20),
    ("2026-11-25", "total-north", 20),
]


def _sales(database: pathlib.Path) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT day, region, amount FROM sales ORDER BY region").fetchall()


def _outputs(cell) -> str:
    return json.dumps(cell.outputs)


def _html_table(html: str) -> str:
    """A table's HTML without the whitespace between tags: pandas (a DataFrame, when installed)
    indents its rows, the plain table does not; the cells are the same."""
    return re.sub(r">\s+<", "><", html)


def test_a_notebook_run_in_jupyter_runs_unchanged_with_vdk_run(job, db, tmp_path, monkeypatch):
    path = job.notebook("10_sales.ipynb", SALES_NOTEBOOK)
    sources = [cell["source"] for cell in json.loads(path.read_text())["cells"]]

    nb = nbformat.read(path, as_version=4)
    # Leaving setup_kernel shuts the kernel down, as closing the notebook does.
    with notebook_client(nb, "vdk", job.path) as client, client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    in_jupyter = _sales(db.path)
    assert in_jupyter == EXPECTED
    (table,) = [o["data"]["text/html"] for o in nb.cells[6].outputs if "text/html" in o.get("data", {})]
    assert "<td>north</td><td>10</td>" in _html_table(table)  # exploration showed a table
    nbformat.write(nb, path)  # the user saves the notebook, outputs and all, and changes nothing
    assert [cell["source"] for cell in json.loads(path.read_text())["cells"]] == sources

    production = tmp_path / "production.sqlite"
    monkeypatch.setenv("VDK_SQLITE_FILE", str(production))
    run = subprocess.run([str(VDK), "run", str(job), "--arguments", ARGUMENTS],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert _sales(production) == in_jupyter
    for warning in ("out of order", "never ran", "was last run in Jupyter with Python"):
        assert warning not in run.stdout + run.stderr


def test_magics_in_the_vdk_kernel(job, db):
    other = job.path.parent / "other-job"
    other.mkdir()
    path = job.notebook("10_magics.ipynb", [
        code("job_input"),
        code("%vdk --arguments '{\"limit\": 3}'"),
        code("job_input.get_arguments()"),
        code("%%vdksql\nSELECT {limit} AS n, 'a<b' AS text"),
        code("%%vdksql\nSELECT * FROM no_such_table"),
        code("%%non-vdk\nprint('only in Jupyter')"),
        code("%vdk --path ../other-job\njob_input.get_name()"),
    ])
    nb = nbformat.read(path, as_version=4)
    with notebook_client(nb, "vdk", job.path) as client, client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if index == 4:
                with pytest.raises(Exception) as failed:
                    client.execute_cell(cell, index)
                assert type(failed.value).__name__ == "CellExecutionError"
            else:
                client.execute_cell(cell, index)
    cells = nb.cells
    assert "starts on first use of job_input" in _outputs(cells[0])
    # The first use of job_input says which database the job uses (issue 22), then the value.
    assert f"Data job '{job.path.name}' uses SQLite file {db.path}." in _outputs(cells[2])
    (result,) = [o for o in cells[2].outputs if o["output_type"] == "execute_result"]
    assert result["data"]["text/plain"] == "{'limit': 3}"
    html = _html_table(cells[3].outputs[-1]["data"]["text/html"])
    assert "<th>n</th><th>text</th>" in html and "<td>3</td><td>a&lt;b</td>" in html
    (error,) = [o for o in cells[4].outputs if o["output_type"] == "error"]
    assert error["traceback"] == [
        "QueryFailed: The query failed: OperationalError: no such table: no_such_table"
    ]
    assert "vdk/internal" not in _outputs(cells[4]) and "Traceback" not in _outputs(cells[4])
    assert cells[5].outputs[0]["text"] == "only in Jupyter\n"
    assert "'other-job'" in _outputs(cells[6])


def test_rows_ingested_just_before_a_restart_or_shutdown_are_in_the_database(job, db):
    send = "job_input.send_object_for_ingestion({{'id': {0}}}, destination_table='late')"
    path = job.notebook("10_late.ipynb", [code(send.format(1)), code(send.format(2))])
    nb = nbformat.read(path, as_version=4)
    with notebook_client(nb, "vdk", job.path) as client, client.setup_kernel():
        client.execute_cell(nb.cells[0], 0)
        run_sync(client.km.restart_kernel)()  # Jupyter's "Restart kernel": the old process exits
        assert db.rows("SELECT id FROM late") == [(1,)]
        run_sync(client.kc.wait_for_ready)(timeout=60)
        client.execute_cell(nb.cells[1], 1)
    assert db.rows("SELECT id FROM late ORDER BY id") == [(1,), (2,)]


def test_rows_that_take_longer_to_write_than_shutdown_allows_all_land(job, db, monkeypatch):
    """Jupyter gives a kernel 5 s to exit before killing it; writing these rows takes longer
    (at the throughput measured here, ~100 rows/s with one writer, 3,000 rows take ~30 s).
    Before the fix, a fraction of them landed (7,586 of 20,000 in the issue). A real kernel,
    shut down as closing a notebook does, right after the cell that sent them."""
    from jupyter_client.manager import KernelManager

    # vdk-sqlite's parallel writers fail with "database is locked" under load, in vdk run too;
    # one writer keeps this test about shutdown.
    monkeypatch.setenv("VDK_INGESTER_NUMBER_OF_WORKER_THREADS", "1")
    rows = 3_000
    shown: list = []
    with kernel_sockets() as sockets:
        manager = KernelManager(kernel_name="vdk", transport="ipc", ip=sockets)
        manager.start_kernel(cwd=str(job.path))
        client = manager.client()
        try:
            client.start_channels()
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive(
                f"for i in range({rows}):\n"
                "    job_input.send_object_for_ingestion({'id': i}, destination_table='many')",
                timeout=600, output_hook=lambda message: shown.append(message["content"]))
            assert reply["content"]["status"] == "ok", reply["content"]
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=False)  # Jupyter's default wait: 5 s, then the kill
    assert db.rows("SELECT count(*), count(DISTINCT id) FROM many") == [(rows, rows)], shown
