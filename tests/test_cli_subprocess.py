"""The installed `vdk` command, in its own process, finds the plugin through its entry point and
runs notebook steps: what a user gets after `pip install vdk-jupyter`."""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown
from notebooks import record

VDK = pathlib.Path(sys.executable).parent / "vdk"


def vdk(*args: str, env_extra: dict, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_extra)
    return subprocess.run(
        [str(VDK), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )


def run(job, db, tmp_path) -> tuple[subprocess.CompletedProcess, str, str]:
    termination = tmp_path / "termination.json"
    result = vdk(
        "run", str(job),
        env_extra={
            "VDK_DB_DEFAULT_TYPE": "SQLITE",
            "VDK_SQLITE_FILE": str(db.path),
            "VDK_INGEST_METHOD_DEFAULT": "sqlite",
            "VDK_TERMINATION_MESSAGE_WRITER_OUTPUT_FILE": str(termination),
        },
        cwd=tmp_path,
    )
    status = json.loads(termination.read_text())["status"] if termination.exists() else None
    return result, result.stdout + result.stderr, status


def test_vdk_version_lists_the_plugin(tmp_path):
    result = vdk("version", env_extra={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "notebook (from package vdk-jupyter, version" in result.stdout + result.stderr


def test_vdk_run_runs_notebook_steps_with_the_others(job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_transform.ipynb", [
        markdown("# Transform"),
        code("rows = !echo from-shell\n" + record("notebook cell 1")),
        code("%%vdksql\nINSERT INTO events (what) VALUES ('sql cell')"),
        code("raise RuntimeError('exploration')", tags=["non-vdk"]),
        code("job_input.send_object_for_ingestion({'what': rows[0]}, destination_table='shell_rows')"),
    ])
    job.py("30_publish.py", record("py step"))

    result, output, status = run(job, db, tmp_path)

    assert result.returncode == 0, output
    assert status == "Success"
    assert "20_transform.ipynb - SUCCESS" in output
    assert db.events() == ["notebook cell 1", "sql cell", "py step"]
    assert db.rows("SELECT what FROM shell_rows") == [("from-shell",)]


def test_a_failing_cell_exits_1_with_a_user_error_naming_the_cell(job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_transform.ipynb", [
        code(record("before")),
        code("total = 0\nratio = 1 / total", cell_id="divides"),
    ])
    job.py("30_publish.py", record("py step"))

    result, output, status = run(job, db, tmp_path)

    assert result.returncode == 1, output
    assert status == "User error"
    assert "Where: 20_transform.ipynb, code cell 2 (id divides), line 2:\n    ratio = 1 / total" in output
    assert "ZeroDivisionError" in output
    assert db.events() == ["before"]


def test_a_broken_notebook_exits_1_before_any_step(job, db, tmp_path):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.file("30_broken.ipynb", '{"cells": [')

    result, output, status = run(job, db, tmp_path)

    assert result.returncode == 1, output
    assert status == "User error"
    assert "The notebook is not valid JSON" in output
    assert "Where: 30_broken.ipynb" in output
    assert "events" not in db.tables()


def test_vdk_help_lists_start_jupyter_and_its_help_shows_its_options(tmp_path):
    """`vdk start-jupyter` is registered without importing its module (vdk_plugin.py)."""
    listing = vdk("--help", env_extra={}, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    # Click pads the names to the longest command's and cuts the help to fit (other plugins
    # add theirs: vdk-postgres's postgres-query is longer).
    assert re.search(r"\n  start-jupyter +Start JupyterLab in a data job folder", listing.stdout), (
        listing.stdout)
    own = vdk("start-jupyter", "--help", env_extra={}, cwd=tmp_path)
    assert own.returncode == 0, own.stderr
    assert "Usage: vdk start-jupyter [OPTIONS] [JOB_DIR]\n" in own.stdout
    for option in ("--port INTEGER RANGE", "--no-browser", "--new JOB_NAME", "--allow-root"):
        assert option in own.stdout
    refused = vdk("start-jupyter", "--port", "0", env_extra={}, cwd=tmp_path)
    assert refused.returncode == 2
    assert "Invalid value for '--port': 0 is not in the range 1<=x<=65535." in refused.stderr


def test_vdk_config_help_lists_the_options_with_their_defaults(tmp_path):
    from vdk.plugin.notebook.engine.secrets_mask import DEFAULT_SECRET_NAMES
    from vdk.plugin.notebook.vdk_run.option_keys import DEFAULT_SECRET_WORDS

    assert DEFAULT_SECRET_WORDS == ",".join(DEFAULT_SECRET_NAMES)
    result = vdk("config-help", env_extra={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for key in ("notebook_report", "notebook_report_directory", "notebook_report_html",
                "notebook_report_output_limit", "notebook_cell_timeout"):
        assert f"\n{key} " in result.stdout
    assert ("rather than in arguments. Default value: password,passwd,secret,token,key,"
            "credential." in text)


def test_a_job_without_notebooks_loads_only_the_plugins_entry_points(job, db, tmp_path):
    """The plugin module vdk-core loads (vdk_plugin.py) and vdk_run/hooks.py, the small
    modules they import at the top, and those of the run record every local run keeps (for
    vdk repair); nothing of running notebooks."""
    job.sql("10_create.sql", CREATE_EVENTS)
    job.py("20_insert.py", record("py step"))
    job.file("notes.txt", "not a step")
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('LOADED', sorted(m for m in sys.modules "
             "if m.startswith('vdk.plugin.notebook'))))\n"
             "sys.argv[0] = 'vdk'\nfrom vdk.internal.cli_entry import main\nmain()\n")
    env = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(db.path),
               VDK_INGEST_METHOD_DEFAULT="sqlite")
    result = subprocess.run([sys.executable, "-c", probe, "run", str(job)], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert db.events() == ["py step"]
    assert "LOADED ['vdk.plugin.notebook', 'vdk.plugin.notebook.engine', " \
           "'vdk.plugin.notebook.engine.secrets_mask', 'vdk.plugin.notebook.job', " \
           "'vdk.plugin.notebook.job.data_folder', " \
           "'vdk.plugin.notebook.job.notebooks', " \
           "'vdk.plugin.notebook.job.run_record', 'vdk.plugin.notebook.vdk_plugin', " \
           "'vdk.plugin.notebook.vdk_run', 'vdk.plugin.notebook.vdk_run.hooks', " \
           "'vdk.plugin.notebook.vdk_run.option_keys', " \
           "'vdk.plugin.notebook.vdk_run.run_recording', " \
           "'vdk.plugin.notebook.vdk_run.state_keys']" in result.stdout


RARE_MODULES = ("vdk.plugin.notebook.engine.parameters", "vdk.plugin.notebook.vdk_run.vdk_errors",
                "vdk.plugin.notebook.engine.timeout")


def test_a_plain_notebook_run_imports_only_what_it_needs(job, db, tmp_path):
    """Every module costs a run with notebooks to find and load: those only a notebook with
    parameters, a cell time limit or an error needs are imported only then."""
    job.sql("10_create.sql", CREATE_EVENTS.replace("TABLE", "TABLE IF NOT EXISTS"))  # run twice
    job.notebook("20_nb.ipynb", [code(record("plain"))])
    probe = ("import atexit, sys\n"
             f"atexit.register(lambda: print('LOADED', [m for m in {RARE_MODULES!r} "
             "if m in sys.modules]))\n"
             "sys.argv[0] = 'vdk'\nfrom vdk.internal.cli_entry import main\nmain()\n")
    env = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(db.path),
               VDK_INGEST_METHOD_DEFAULT="sqlite")
    command = [sys.executable, "-c", probe, "run", str(job)]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert db.events() == ["plain"]
    assert "LOADED []" in result.stdout, result.stdout
    with_arguments = subprocess.run(command + ["--arguments", '{"day": 1}'], env=env,
                                    cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert with_arguments.returncode == 0, with_arguments.stdout + with_arguments.stderr
    assert db.events() == ["plain", "plain"]
    assert "LOADED ['vdk.plugin.notebook.engine.parameters']" in with_arguments.stdout
