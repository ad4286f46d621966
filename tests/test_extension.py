"""The IPython extension in an IPython shell of this process, as a kernel runs it: `job_input` for
the job folder (built by vdk-core from config.ini and the environment), `%vdk`, `%%vdksql`,
`%%non-vdk`, finalisation; and loading it under `vdk run` changes nothing.

The same magics in a real Jupyter kernel are in test_parity.py."""
from __future__ import annotations

import sqlite3
import sys

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record


@pytest.fixture
def shell(job, db, monkeypatch):
    """An IPython shell started in the job folder, as Jupyter starts a kernel beside a notebook."""
    monkeypatch.chdir(job.path)
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell(config=config)
    yield shell
    if "vdk.plugin.notebook" in shell.extension_manager.loaded:
        shell.run_line_magic("unload_ext", "vdk.plugin.notebook")


def run(shell: InteractiveShell, source: str):
    """Run a cell; fail the test on an error, as a user would see it. Returns the cell's value."""
    result = shell.run_cell(source, store_history=False)
    if not result.success:
        raise result.error_before_exec or result.error_in_exec
    return result.result


def failure(shell: InteractiveShell, source: str) -> BaseException:
    result = shell.run_cell(source, store_history=False)
    assert not result.success, f"the cell should have failed: {source}"
    return result.error_before_exec or result.error_in_exec


def load(shell: InteractiveShell) -> None:
    run(shell, "%load_ext vdk.plugin.notebook")


def test_job_input_is_for_the_job_folder_and_starts_only_when_used(job, db, shell):
    load(shell)
    assert "starts on first use" in repr(shell.user_ns["job_input"])
    assert not db.path.exists()  # loading connected to nothing
    run(shell, CREATE_EVENTS.join(['job_input.execute_query("', '")']))
    run(shell, record("from jupyter"))
    assert run(shell, "job_input.get_name()") == "my-job"
    assert run(shell, "str(job_input.get_job_directory())") == str(job.path)
    assert db.events() == ["from jupyter"]


def test_the_jobs_config_ini_applies_as_in_vdk_run(job, shell, monkeypatch, tmp_path):
    configured = tmp_path / "configured.sqlite"
    for name in ("VDK_DB_DEFAULT_TYPE", "VDK_SQLITE_FILE"):
        monkeypatch.delenv(name)
    job.file("config.ini", f"[owner]\nteam = t\n\n[vdk]\ndb_default_type = SQLITE\n"
                           f"sqlite_file = {configured}\n")
    load(shell)
    run(shell, "job_input.execute_query('CREATE TABLE made_here (x INTEGER)')")
    with sqlite3.connect(configured) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("made_here",)]


def test_vdk_magic_sets_arguments_and_sql_cells_substitute_them(job, db, shell, capsys):
    pytest.importorskip("pandas")  # the "test" extra has it: the result is a DataFrame
    load(shell)
    run(shell, "%vdk --arguments '{\"day\": \"2026-11-25\", \"limit\": 2}'")
    assert "arguments {\"day\": \"2026-11-25\", \"limit\": 2}" in capsys.readouterr().out
    assert run(shell, "job_input.get_arguments()") == {"day": "2026-11-25", "limit": 2}
    table = run(shell, "%%vdksql\nSELECT '{day}' AS day, {limit} * 10 AS amount")
    assert list(table.columns) == ["day", "amount"]
    assert [tuple(row) for row in table.values.tolist()] == [("2026-11-25", 20)]


def test_vdk_magic_points_job_input_at_another_job_and_reset_comes_back(job, shell, tmp_path):
    other = tmp_path / "other-job"
    other.mkdir()
    load(shell)
    run(shell, "kept = job_input")
    run(shell, "%vdk --path ../other-job --arguments '{\"a\": 1}'")
    assert run(shell, "job_input.get_name(), kept.get_name()") == ("other-job", "other-job")
    assert run(shell, "job_input.get_arguments()") == {"a": 1}
    run(shell, "%vdk --reset")
    assert run(shell, "job_input.get_name(), job_input.get_arguments()") == ("my-job", {})


def test_vdk_magic_help_and_usage_errors(shell, capsys):
    load(shell)
    run(shell, "%vdk --help")
    help_text = capsys.readouterr().out
    for option in ("--path DIR", "--arguments JSON", "--reset", "--finalize"):
        assert option in help_text
    assert "not valid JSON" in str(failure(shell, "%vdk --arguments '{day: 1}'"))
    assert "takes a JSON object" in str(failure(shell, "%vdk --arguments '[1, 2]'"))
    error = failure(shell, "%vdk --path no-such-folder")
    assert isinstance(error, UsageError) and "there is no folder" in str(error)
    assert isinstance(failure(shell, "%vdk --no-such-option"), UsageError)


def test_finalize_flushes_ingestion_and_the_next_use_starts_the_job_again(
    job, db, shell, capsys, monkeypatch
):
    # Finalising waits for VDK's ingestion thread, which polls its queue this often (default 2 s).
    monkeypatch.setenv("VDK_INGESTION_PAYLOAD_AGGREGATOR_TIMEOUT_SECONDS", "1")
    load(shell)
    run(shell, "job_input.get_name()")
    run(shell, "%vdk --finalize")
    assert "ingestion flushed" in capsys.readouterr().out
    run(shell, "job_input.send_object_for_ingestion({'id': 1, 'name': 'a'}, destination_table='things')")
    # Flushed as the cell ended, before any finalize: a shutdown now would lose nothing.
    assert db.rows("SELECT id, name FROM things") == [(1, "a")]
    run(shell, "for n in (2, 3):\n    job_input.send_tabular_data_for_ingestion("
               "iter([(n, 'b')]), ['id', 'name'], destination_table='others')")
    run(shell, "%vdk --finalize")
    assert ("Rows sent for ingestion and written since the last %vdk --finalize: "
            "3 rows: 2 to 'others', 1 to 'things'.") in capsys.readouterr().out
    run(shell, "%vdk --finalize")
    assert "Nothing to finalise" in capsys.readouterr().out
    run(shell, "job_input.send_object_for_ingestion({'id': 2, 'name': 'b'}, destination_table='things')")
    shell.run_line_magic("unload_ext", "vdk.plugin.notebook")  # as at kernel exit
    assert db.rows("SELECT id, name FROM things ORDER BY id") == [(1, "a"), (2, "b")]
    assert db.rows("SELECT id FROM others ORDER BY id") == [(2,), (3,)]
    assert "job_input" not in shell.user_ns


def test_vdksql_shows_a_table_and_a_failing_query_as_one_short_error(
    job, db, shell, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "pandas", None)  # without pandas: an HTML table
    load(shell)
    run(shell, "%%vdksql\nCREATE TABLE t (n INTEGER, label TEXT)")
    run(shell, "%%vdksql\nINSERT INTO t VALUES (1, '<b>'), (2, NULL)")
    # Before 3.11, sqlite3 cannot count rows of a statement that starts with a comment, and
    # vdk-core starts every query with one (job name, op id): then no count is claimed.
    counted = " (2 rows affected)" if sys.version_info >= (3, 11) else ""
    assert f"Statement executed{counted}." in capsys.readouterr().out
    table = run(shell, "%%vdksql\nSELECT n, label FROM t ORDER BY n")
    html = table._repr_html_()
    assert "<th>n</th><th>label</th>" in html and "<td>&lt;b&gt;</td>" in html
    assert "<td>NULL</td>" in html and "2 rows" in html
    error = failure(shell, "%%vdksql\nSELECT * FROM missing_table")
    assert error._render_traceback_() == [
        "QueryFailed: The query failed: OperationalError: no such table: missing_table"
    ]
    assert "Executing query FAILED" not in capsys.readouterr().err


def test_with_pandas_a_query_result_is_a_dataframe(job, db, shell):
    pandas = pytest.importorskip("pandas")
    load(shell)
    run(shell, "%%vdksql\nCREATE TABLE t (n INTEGER, label TEXT)")
    run(shell, "%%vdksql\nINSERT INTO t VALUES (1, 'a'), (2, NULL)")
    frame = run(shell, "%%vdksql\nSELECT n, label FROM t ORDER BY n")
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["n", "label"]
    assert frame["n"].tolist() == [1, 2]
    assert frame["label"][0] == "a" and frame["label"].isna().tolist() == [False, True]


def test_a_large_result_is_truncated_with_a_note(job, db, shell, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    load(shell)
    table = run(shell, "%%vdksql\nWITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                       "WHERE n < 120) SELECT n FROM c")
    assert len(table) == 50  # only the rows shown are fetched
    html = table._repr_html_()
    assert html.count("<tr>") == 1 + 50
    # SQLite does not count a result's rows before they are fetched, so the note cannot either.
    assert "showing the first 50 of more than 50 rows; the rest were not fetched" in html


def test_a_million_row_result_is_not_kept_in_memory(job, db, shell, capsys):
    """IPython keeps every result in its output history: only what is shown is fetched."""
    import tracemalloc

    pytest.importorskip("pandas")
    load(shell)
    run(shell, "job_input.get_name()")  # the job is started (and its imports done) beforehand
    tracemalloc.start()
    try:
        frame = run(shell, "%%vdksql\nWITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                           "FROM c WHERE n < 1000000) SELECT n, 'row ' || n AS label FROM c")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(frame) == 50
    assert peak < 5_000_000, f"{peak:,} bytes at peak for a 1,000,000-row query"  # all rows: >100 MB
    assert "Showing the first 50 of more than 50 rows" in capsys.readouterr().out


def test_non_vdk_cells_run_as_plain_cells_in_jupyter(shell):
    load(shell)
    assert run(shell, "%%non-vdk\nx = 21\nx * 2") == 42
    error = failure(shell, "%%non-vdk\nx = 1\n1 / 0")
    assert isinstance(error, ZeroDivisionError)
    assert error.__traceback__.tb_next.tb_lineno == 3  # line numbers as the user sees them


def test_notebooks_beside_the_kernel_are_not_prepared_as_steps(job, db, shell):
    # A half-written notebook (syntax error, package install) must not stop job_input in Jupyter.
    job.notebook("10_draft.ipynb", [code("%pip install pandas"), code("def broken(:")])
    load(shell)
    assert run(shell, "job_input.execute_query('SELECT 7')") == [(7,)]


def test_a_job_that_cannot_start_says_so_in_one_line(job, shell, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    load(shell)
    run(shell, "%vdk --path ../gone")
    gone.rmdir()
    error = failure(shell, "job_input.get_arguments()")
    assert error._render_traceback_() == [
        f"JobStartError: The job folder {gone} does not exist. Point job_input at a data job "
        "folder with: %vdk --path <folder>"
    ]


def test_loading_where_job_input_exists_changes_nothing(shell):
    sentinel = object()
    shell.user_ns["job_input"] = sentinel
    load(shell)
    assert shell.user_ns["job_input"] is sentinel
    assert shell.find_line_magic("vdk") is None and shell.find_cell_magic("vdksql") is None


def test_loading_the_extension_inside_vdk_run_changes_nothing(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_nb.ipynb", [
        code("%load_ext vdk.plugin.notebook"),
        code("get_ipython().run_line_magic('load_ext', 'vdk.plugin.notebook')\n"
             "kind = type(job_input).__name__\n"
             "job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{kind}')\")"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["JobInput"]


def test_a_broken_config_ini_is_reported_in_one_line_naming_it(job, shell):
    job.file("config.ini", "team = no section header\n[owner\n")
    load(shell)
    error = failure(shell, "job_input.get_arguments()")
    (line,) = error._render_traceback_()
    assert line.startswith(f"JobStartError: The data job in {job.path} could not be configured: ")
    assert "Check the job's config.ini" in line


def test_the_old_vdk_ipython_set_up_cell_runs_with_the_extension(job, db, shell, capsys):
    # Without vdk-ipython installed, its set-up cell runs and gives this extension's job_input.
    load(shell)
    run(shell, "%reload_ext vdk.plugin.ipython\n%reload_VDK --name=my-job\n"
               "job_input = VDK.get_initialized_job_input()")
    assert "options are ignored; use %vdk" in capsys.readouterr().out
    run(shell, CREATE_EVENTS.join(['job_input.execute_query("', '")']))
    run(shell, record("old set-up"))
    assert db.events() == ["old set-up"]
    shell.run_line_magic("unload_ext", "vdk.plugin.notebook")
    assert "VDK" not in shell.user_ns
    assert isinstance(failure(shell, "%reload_VDK"), UsageError)
