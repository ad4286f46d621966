"""The same jobs against a real PostgreSQL server (postgres_server.py, Debian's package started
on loopback for the session) as against SQLite files: through the installed `vdk` in a subprocess,
the Jupyter kernel's job_input, and runs started from JupyterLab's server API. What comes back
from the server (Decimal for NUMERIC, its own error messages) and what happens when it cannot be
reached (one line, at once, before any step) are what a user sees."""
from __future__ import annotations

import decimal
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

from notebooks import code
from notebooks import write

EXAMPLE = pathlib.Path(__file__).parent.parent / "examples" / "orders-job"
VDK = pathlib.Path(sys.executable).parent / "vdk"


def vdk_run(job: pathlib.Path, tmp_path: pathlib.Path, env: dict) -> tuple[subprocess.CompletedProcess, str, float]:
    """The installed `vdk run`, as a user runs it: (process, its status for the platform, seconds)."""
    termination = tmp_path / f"termination-{time.monotonic_ns()}.json"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VDK_")}
    environment.update(env, VDK_TERMINATION_MESSAGE_WRITER_OUTPUT_FILE=str(termination),
                       VDK_TEMPORARY_WRITE_DIRECTORY=str(tmp_path / "vdk-temp"),
                       VDK_NOTEBOOK_REPORT_DIRECTORY=str(tmp_path / "reports"))
    started = time.monotonic()
    done = subprocess.run([str(VDK), "run", str(job)], env=environment, capture_output=True,
                          text=True, timeout=600)
    seconds = time.monotonic() - started
    status = json.loads(termination.read_text())["status"] if termination.exists() else None
    return done, status, seconds


def report_of(tmp_path: pathlib.Path, notebook: str) -> dict:
    (path,) = (tmp_path / "reports").glob(f"*/*/{notebook}")
    return json.loads(path.read_text())


def test_the_example_job_lands_the_same_rows_as_on_sqlite(postgres, tmp_path):
    job = shutil.copytree(EXAMPLE, tmp_path / "orders-job")
    done, status, _ = vdk_run(job, tmp_path, postgres.environment())
    assert done.returncode == 0 and status == "Success", done.stdout + done.stderr
    assert postgres.rows("SELECT day, revenue, orders FROM daily_revenue ORDER BY day") == [
        ("2026-11-23", 52.5, 2), ("2026-11-24", 82.24, 3), ("2026-11-25", 9.99, 1)]
    assert postgres.rows("SELECT day FROM best_day") == [("2026-11-24",)]
    # NUMERIC: what the notebook had to turn into floats (issue 22's TypeError).
    assert postgres.rows("SELECT amount FROM orders WHERE id = 1") == [(decimal.Decimal("12.50"),)]


def test_a_notebook_ingests_100000_rows_and_another_reads_them_back(postgres, job, tmp_path):
    write(job.path / "10_ingest.ipynb", [
        code("%%vdksql\nCREATE TABLE sales (id INTEGER, amount NUMERIC(12, 2), city TEXT)"),
        code("import decimal\n"
             "rows = [(i, decimal.Decimal(i % 1000) / 100, f'city {i % 7}') for i in range(100_000)]\n"
             "job_input.send_tabular_data_for_ingestion(rows, column_names=['id', 'amount', 'city'],\n"
             "                                          destination_table='sales')"),
    ])
    # VDK ingests in the background and flushes at the end of the job; a step that reads the
    # rows back in the same run needs each send to wait until its rows have landed.
    job.file("config.ini", "[vdk]\ningester_wait_to_finish_after_every_send = true\n")
    write(job.path / "20_read.ipynb", [
        code("rows = job_input.execute_query('SELECT count(*), sum(amount), min(city) FROM sales')\n"
             "count, total, first = rows[0]\n"
             "print('read back:', count, type(total).__name__, total, first)"),
        code("%%vdksql\nSELECT city, count(*) AS n FROM sales GROUP BY city ORDER BY city LIMIT 3"),
    ])
    done, status, _ = vdk_run(job.path, tmp_path, postgres.environment())
    output = done.stdout + done.stderr
    assert done.returncode == 0 and status == "Success", output
    expected_total = sum(decimal.Decimal(i % 1000) / 100 for i in range(100_000))
    assert postgres.rows("SELECT count(*), count(DISTINCT id), sum(amount) FROM sales") == [
        (100_000, 100_000, expected_total)]
    # All rows, with PostgreSQL's types (count: int, sum of NUMERIC: Decimal).
    assert f"read back: 100000 Decimal {expected_total} city 0" in output, output
    table = "".join(report_of(tmp_path, "20_read.ipynb")["cells"][1]["outputs"][0]["data"]["text/plain"])
    assert table.splitlines()[1:3] == ["city 0  14286", "city 1  14286"], table


def test_vdksql_cells_run_against_the_server_and_their_tables_are_in_the_report(postgres, job, tmp_path):
    write(job.path / "10_sql.ipynb", [
        code("%%vdksql\nCREATE TABLE prices (item TEXT, price NUMERIC(6, 2))"),
        code("%%vdksql\nINSERT INTO prices VALUES ('tea', 2.50), ('cake', 4.20)"),
        code("%%vdksql\nSELECT item, price, price * 2 AS doubled FROM prices ORDER BY item"),
    ])
    done, status, _ = vdk_run(job.path, tmp_path, postgres.environment())
    assert done.returncode == 0 and status == "Success", done.stdout + done.stderr
    assert postgres.rows("SELECT item, price FROM prices ORDER BY item") == [
        ("cake", decimal.Decimal("4.20")), ("tea", decimal.Decimal("2.50"))]
    cells = report_of(tmp_path, "10_sql.ipynb")["cells"]
    html = "".join(cells[2]["outputs"][0]["data"]["text/html"])
    assert "<th>item</th>" in html and "<td>cake</td>" in html and "8.40" in html


@pytest.mark.parametrize("cell, line", [
    ("x = 1\nrows = job_input.execute_query('SELECT amount FROM no_such_table')", 2),
    ("%%vdksql\nSELECT amount\nFROM no_such_table", 2),  # where the statement starts
])
def test_failing_sql_shows_postgresqls_message_where_and_stops_the_job(postgres, job, tmp_path, cell, line):
    write(job.path / "20_fail.ipynb", [code("print('first cell ran')"), code(cell)])
    job.file("30_after.py", "def run(job_input):\n"
                            "    job_input.execute_query('CREATE TABLE after_ran (n INTEGER)')\n")
    done, status, _ = vdk_run(job.path, tmp_path, postgres.environment())
    output = done.stdout + done.stderr
    assert done.returncode == 1 and status == "User error", output
    assert 'relation "no_such_table" does not exist' in output
    where = next(text for text in output.splitlines() if "Where: 20_fail.ipynb, code cell 2" in text)
    assert f"line {line}:" in where, where
    assert "30_after.py" not in postgres.tables() and "after_ran" not in postgres.tables()


@pytest.mark.parametrize("problem", ["wrong password", "server down"])
def test_an_unusable_server_is_one_line_at_once_before_any_step(postgres, postgres_server, job, tmp_path, problem):
    from postgres_server import free_port

    job.file("10_write.py", "def run(job_input):\n    print('STEP RAN')\n"
                            "    job_input.execute_query('CREATE TABLE written (n INTEGER)')\n")
    write(job.path / "20_nb.ipynb", [code("print('CELL RAN')")])
    if problem == "wrong password":
        env = postgres.environment(password="not-the-password")
        expected = (f"Cannot connect to the job's database, PostgreSQL at {postgres.address}: "
                    f'password authentication failed for user "{postgres_server.user}". '
                    "To fix: check postgres_user")
    else:
        env = dict(postgres.environment(port=free_port()), VDK_NOTEBOOK_DATABASE_WAIT="1")
        expected = "Cannot connect to the job's database, PostgreSQL at 127.0.0.1:"
    done, status, seconds = vdk_run(job.path, tmp_path, env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and status == "User error", output
    (line,) = [text for text in output.splitlines() if "Cannot connect to the job's database" in text]
    assert expected in line and "not-the-password" not in output
    if problem == "server down":
        assert "Connection refused" in line and "postgres_host and postgres_port" in line
    assert "STEP RAN" not in output and "CELL RAN" not in output
    assert postgres.tables() == set()
    # Not a timing test: vdk-core's own retries wait 30 s before the second attempt.
    assert seconds < 30, seconds
