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


@pytest.fixture
def kernel_job(postgres, job, monkeypatch):
    """A job folder whose config.ini names the server, as the Jupyter kernel's working
    directory, and no VDK_ variable of the test run leaking in."""
    for name in [n for n in os.environ if n.startswith("VDK_") and n != "VDK_TEMPORARY_WRITE_DIRECTORY"]:
        monkeypatch.delenv(name)
    job.file("config.ini", postgres.config_ini())
    monkeypatch.chdir(job.path)
    return job


@pytest.fixture
def shell(kernel_job):
    from ipython_shell import shell_with_extension

    yield from shell_with_extension()


def cell(shell, source: str):
    result = shell.run_cell(source, store_history=False)
    if not result.success:
        raise result.error_before_exec or result.error_in_exec
    return result.result


def test_the_kernels_job_input_and_vdksql_cells_use_the_server(shell, kernel_job, postgres, capsys):
    cell(shell, "%%vdksql\nCREATE TABLE t (n INTEGER, price NUMERIC(5, 2))")
    cell(shell, "%%vdksql\nINSERT INTO t VALUES (1, 2.50)")
    assert cell(shell, "job_input.execute_query('SELECT n, price FROM t')") == [(1, decimal.Decimal("2.50"))]
    # A failed statement is PostgreSQL's message in one line, and the next query still works
    # (no "current transaction is aborted").
    failed = shell.run_cell("%%vdksql\nSELECT * FROM missing", store_history=False)
    (line,) = failed.error_in_exec._render_traceback_()
    assert 'relation "missing" does not exist' in line
    table = cell(shell, "%%vdksql\nSELECT n, price FROM t")
    assert [tuple(row) for row in table.itertuples(index=False)] == [(1, decimal.Decimal("2.50"))]
    cell(shell, "job_input.send_object_for_ingestion({'n': 2, 'price': 3.25}, destination_table='t')")
    cell(shell, "%vdk --finalize")  # flushes ingestion
    assert postgres.rows("SELECT n, price FROM t ORDER BY n") == [
        (1, decimal.Decimal("2.50")), (2, decimal.Decimal("3.25"))]
    out = capsys.readouterr().out
    assert out.count(f"Data job '{kernel_job.path.name}' uses PostgreSQL at {postgres.address}.") == 1
    assert postgres.server.password not in out


def test_the_kernel_says_in_one_line_that_the_password_is_refused(shell, kernel_job, postgres, capsys):
    kernel_job.file("config.ini", postgres.config_ini(password="not-the-password"))
    started = time.monotonic()
    failed = shell.run_cell("job_input.execute_query('SELECT 1')", store_history=False)
    seconds = time.monotonic() - started
    (line,) = failed.error_in_exec._render_traceback_()
    assert line.startswith(f"JobStartError: Cannot connect to the job's database, PostgreSQL at "
                           f"{postgres.address}: password authentication failed"), line
    assert "postgres_password" in line and line.endswith("Then use job_input again.")
    captured = capsys.readouterr()
    # No traceback of the failure (vdk-core logs "Exiting with exception." with one unless the
    # kernel's marker handled it). (The process-wide logging of the test run may hold an earlier
    # test's closed stream: "--- Logging error ---" tracebacks are that, not the kernel's.)
    assert "Traceback" not in captured.out and "Exiting with exception" not in captured.err
    assert "not-the-password" not in captured.out + captured.err + line
    assert seconds < 30, seconds  # not vdk-core's retries, 30 s before the second attempt
    # Fixed in config.ini: the next use starts the job.
    kernel_job.file("config.ini", postgres.config_ini())
    assert cell(shell, "job_input.execute_query('SELECT 1')") == [(1,)]


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    pytest.importorskip("jupyter_server", reason="the Jupyter server (the jupyter extra) is not installed")
    from jupyter_server_process import JupyterServer

    server = JupyterServer(tmp_path_factory.mktemp("jupyter")).start()
    yield server
    server.stop()


def test_a_run_from_jupyterlab_says_which_database_and_lands_the_rows(jupyter, postgres, request):
    job = jupyter.root / "lab-run-job"
    job.mkdir()
    (job / "config.ini").write_text(postgres.config_ini())
    write(job / "10_load.ipynb", [
        code("%%vdksql\nCREATE TABLE visits (page TEXT, seconds NUMERIC(6, 1))"),
        code("job_input.execute_query(\"INSERT INTO visits VALUES ('home', 12.5)\")"),
    ])
    started = jupyter.api("POST", "runs", {"path": "lab-run-job/10_load.ipynb"})
    assert started.status == 202, started
    assert started.json["job"]["database"]["label"] == f"PostgreSQL at {postgres.address}"
    result, _ = jupyter.wait_for_run(started.json["run_id"])
    assert result["status"] == "succeeded", result
    assert result["message"].endswith(f"database: PostgreSQL at {postgres.address}."), result
    assert postgres.rows("SELECT page, seconds FROM visits") == [("home", decimal.Decimal("12.5"))]
    log = jupyter.api("GET", f"runs/{started.json['run_id']}/log").text
    assert f"The job's database: PostgreSQL at {postgres.address}" in log
    assert postgres.server.password not in json.dumps(result) + json.dumps(started.json)


def test_a_run_from_jupyterlab_with_a_refused_password_says_so_in_its_result(jupyter, postgres):
    job = jupyter.root / "lab-refused-job"
    job.mkdir()
    (job / "config.ini").write_text(postgres.config_ini(password="not-the-password"))
    write(job / "10_load.ipynb", [code("print('CELL RAN')")])
    started = jupyter.api("POST", "runs", {"path": "lab-refused-job"})
    result, events = jupyter.wait_for_run(started.json["run_id"])
    assert result["status"] == "failed" and result["exit_code"] == 1, result
    assert result["message"].startswith(
        "Data job 'lab-refused-job' failed before its first step: Cannot connect to the job's "
        f"database, PostgreSQL at {postgres.address}: password authentication failed"), result
    assert "postgres_password" in result["message"] and "not-the-password" not in result["message"]
    assert not [e for e in events if e["type"] == "step_started"]


def test_deploy_of_a_postgresql_job_needs_vdk_postgres_in_requirements(tmp_path):
    """The cloud installs only requirements.txt: without vdk-postgres the job would have no
    connection there. Refused before the Control Service is asked (nothing listens at its URL)."""
    pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")
    from vdk.plugin.notebook.deploy.deployment import DeployRefused
    from vdk.plugin.notebook.deploy.deployment import deploy_job
    from vdk.plugin.notebook.deploy.job_package import add_to_requirements
    from vdk.plugin.notebook.deploy.job_package import check_job

    job = shutil.copytree(EXAMPLE, tmp_path / "orders-job")
    (job / "config.ini").write_text("[owner]\nteam = shop\n\n[vdk]\ndb_default_type = postgres\n")
    with pytest.raises(DeployRefused) as refused:
        deploy_job(job, "first version", url="http://127.0.0.1:9")
    message = str(refused.value)
    assert refused.value.kind == "requirements", message
    assert ("The job's config.ini sets db_default_type = POSTGRES, and requirements.txt does not "
            "install vdk-postgres") in message
    assert f"Add a line 'vdk-postgres' to {job / 'requirements.txt'}" in message
    assert message.endswith("Nothing was uploaded.")

    assert add_to_requirements(job) is True  # what the Deploy dialog offers
    assert (job / "requirements.txt").read_text().splitlines()[-2:] == ["vdk-jupyter", "vdk-postgres"]
    check_job(job)
    (job / "requirements.txt").write_text("vdk-jupyter[postgres]\n")  # the extra brings it
    check_job(job)
    assert add_to_requirements(job) is False


def test_missing_settings_are_named_before_any_connection_is_tried():
    from vdk.plugin.notebook.job.postgres_check import PostgresSettings
    from vdk.plugin.notebook.job.postgres_check import PostgresUnreachable
    from vdk.plugin.notebook.job.postgres_check import check_postgres

    with pytest.raises(PostgresUnreachable) as missing:
        check_postgres(PostgresSettings(host="db.example", port=None, dbname="shop", user="me",
                                        password=None))
    assert str(missing.value) == (
        "The job's database is PostgreSQL (db_default_type = POSTGRES) but postgres_port, "
        "postgres_password are not set: set them in the [vdk] section of the job's config.ini, "
        "or as VDK_POSTGRES_PORT, VDK_POSTGRES_PASSWORD.")


def test_the_database_label_names_host_port_and_database_never_the_password(tmp_path):
    from vdk.plugin.notebook.job.local_database import local_database

    (tmp_path / "config.ini").write_text("[vdk]\ndb_default_type = postgres\n"
                                         "postgres_dsn = postgresql://me:s3cret@db.example:6543/shop\n")
    assert local_database(tmp_path, {}).label == "PostgreSQL at db.example:6543/shop"
    environ = {"VDK_POSTGRES_HOST": "10.0.0.5", "VDK_POSTGRES_PASSWORD": "s3cret"}
    assert local_database(tmp_path, environ).label == "PostgreSQL at 10.0.0.5:6543/shop"
    (tmp_path / "config.ini").write_text("[vdk]\ndb_default_type = POSTGRES\npostgres_dsn = "
                                         "host=h port=5433 dbname=d password=s3cret\n")
    assert "s3cret" not in str(local_database(tmp_path, {}).as_json())


def test_a_server_that_is_not_there_yet_is_waited_for_a_few_seconds(postgres):
    """A server started beside the job (refusing connections for a moment) is tried again
    within NOTEBOOK_DATABASE_WAIT; here its port opens after a second, as a forwarder to the
    test server."""
    import socket
    import threading

    from postgres_server import free_port

    from vdk.plugin.notebook.job.postgres_check import PostgresSettings
    from vdk.plugin.notebook.job.postgres_check import check_postgres

    port = free_port()
    stop = threading.Event()

    def pipe(source, target):
        with source, target:
            while data := source.recv(65536):
                target.sendall(data)

    def forward():
        time.sleep(1.0)
        with socket.create_server(("127.0.0.1", port)) as listener:
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    client, _ = listener.accept()
                except socket.timeout:
                    continue
                server = socket.create_connection((postgres.server.host, postgres.server.port))
                threading.Thread(target=pipe, args=(client, server), daemon=True).start()
                threading.Thread(target=pipe, args=(server.dup(), client.dup()), daemon=True).start()

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    try:
        settings = PostgresSettings("127.0.0.1", str(port), postgres.name, postgres.server.user,
                                    postgres.server.password)
        seconds = check_postgres(settings, wait=10)
    finally:
        stop.set()
        thread.join()
    assert seconds >= 1.0  # refused at first, then connected through the forwarder


def test_with_the_postgres_extra_a_sqlite_jobs_kernel_shows_no_postgres_warning(job, tmp_path, monkeypatch, capsys):
    """vdk-postgres warns at every job start where its keys are not set; in a notebook that
    would be three lines above the first result of every job that does not use PostgreSQL."""
    pytest.importorskip("vdk.plugin.postgres")
    from ipython_shell import shell_with_extension

    for name in [n for n in os.environ if n.startswith("VDK_") and n != "VDK_TEMPORARY_WRITE_DIRECTORY"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    job.file("config.ini", "[owner]\nteam = my-team\n")
    monkeypatch.chdir(job.path)
    shells = shell_with_extension()
    shell = next(shells)
    try:
        assert cell(shell, "job_input.execute_query('SELECT 1')") == [(1,)]
    finally:
        next(shells, None)
    captured = capsys.readouterr()
    assert "SQLite file" in captured.out
    assert "Postgres connection" not in captured.out + captured.err
