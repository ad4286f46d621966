"""Local development on a fresh machine: where neither the job nor the environment names a
database, the Jupyter kernel's job_input uses an embedded SQLite file outside the job folder, said
once; a job that names its database keeps it; a %%vdksql error is one line, also when there is no
usable database. (Runs started from JupyterLab: test_server_api.py.)"""
from __future__ import annotations

import os
import pathlib
import sqlite3

import pytest
from ipython_shell import shell_with_extension

from vdk.plugin.notebook.job.local_database import local_database


@pytest.fixture
def fresh_machine(job, tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("VDK_") and n != "VDK_TEMPORARY_WRITE_DIRECTORY"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    job.file("config.ini", "[owner]\nteam = my-team\n")
    monkeypatch.chdir(job.path)
    return job


@pytest.fixture
def shell(fresh_machine):
    yield from shell_with_extension()


def run(shell, source: str):
    result = shell.run_cell(source, store_history=False)
    if not result.success:
        raise result.error_before_exec or result.error_in_exec
    return result.result


def test_the_kernel_uses_a_sqlite_file_of_its_own_outside_the_job_folder(shell, fresh_machine, tmp_path, capsys):
    database = local_database(fresh_machine.path)
    assert database.default
    assert pathlib.Path(database.file).parent == tmp_path / "data" / "vdk-jupyter" / "databases"
    run(shell, "%%vdksql\nCREATE TABLE t (n INTEGER)")
    run(shell, "%%vdksql\nINSERT INTO t VALUES (1)")
    run(shell, "job_input.send_object_for_ingestion({'n': 2}, destination_table='t')")
    run(shell, "%vdk --finalize")  # flushes ingestion
    with sqlite3.connect(database.file) as connection:
        assert connection.execute("SELECT n FROM t ORDER BY n").fetchall() == [(1,), (2,)]
    out = capsys.readouterr().out
    assert out.count(database.message) == 1  # said once, not on every job start
    assert "VDK_DB_DEFAULT_TYPE" not in os.environ  # the kernel's environment is left as it was
    assert sorted(p.name for p in fresh_machine.path.iterdir()) == ["config.ini"]


def test_a_job_that_names_its_database_keeps_it(fresh_machine, tmp_path):
    fresh_machine.file("config.ini", "[vdk]\ndb_default_type = IMPALA\n")
    database = local_database(fresh_machine.path)
    assert (database.default, database.type, database.environment()) == (False, "IMPALA", {})
    assert local_database(fresh_machine.path, {"VDK_DB_DEFAULT_TYPE": "TRINO"}).type == "TRINO"


def test_vdksql_without_a_usable_database_is_one_line(shell, fresh_machine):
    fresh_machine.file("config.ini", "[vdk]\ndb_default_type = NOWHERE\n")
    result = shell.run_cell("%%vdksql\nSELECT 1", store_history=False)
    (line,) = result.error_in_exec._render_traceback_()
    assert line.startswith("QueryFailed: No connection to the job's database: ")
    assert "db_default_type" in line and "\n" not in line
    assert "database with type nowhere, which does not exist" in line
    assert "resolvable type" not in line and line.count("VdkConfigurationError") == 1
