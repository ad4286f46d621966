"""Compiled cells are kept between runs of a job, as Python keeps `.pyc` files (code_cache.py):
a second run compiles nothing it compiled before, yet runs exactly what the notebook says now,
fails where the notebook fails, shows compile warnings every time, and never trusts a file it
did not write for this Python and this plugin."""
from __future__ import annotations

import marshal
import os
import pathlib
import sys

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import record
from test_cli_subprocess import run as run_vdk
from vdk.plugin.notebook.engine import code_cache


@pytest.fixture
def writes_bytecode(monkeypatch):
    """As `python` runs without -B or PYTHONDONTWRITEBYTECODE (the suite may run with it)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The file names of the cells compiled (not taken from the cache)."""
    compiled: list[str] = []
    real = code_cache.compile_keeping_result

    def counting(source, filename, original):
        compiled.append(filename)
        return real(source, filename, original)

    monkeypatch.setattr(code_cache, "compile_keeping_result", counting)
    return compiled


def cache_folder(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "vdk-temp" / f"vdk-notebook-bytecode-{os.geteuid()}"


def events_job(job, *sources: str):
    job.sql("10_create.sql", CREATE_EVENTS.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
    job.notebook("20_notebook.ipynb", [code(source) for source in sources])


def test_a_second_run_compiles_nothing_and_lands_the_same_rows(
        job, run_job, db, tmp_path, writes_bytecode, compiles):
    events_job(job, "what = 'first'", record("ran") + "\nwhat")
    first = run_job(job)
    assert first.exit_code == 0, first.explain()
    assert len(compiles) == 2
    assert [path.stat().st_mode & 0o777 for path in cache_folder(tmp_path).iterdir()] == [0o600]
    assert cache_folder(tmp_path).stat().st_mode & 0o777 == 0o700

    second = run_job(job)
    assert second.exit_code == 0, second.explain()
    assert len(compiles) == 2  # none more
    assert db.events() == ["ran", "ran"]


def test_a_changed_cell_runs_its_new_code(job, run_job, db, writes_bytecode, compiles):
    events_job(job, "what = 'old'", "job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{what}')\")")
    assert run_job(job).exit_code == 0
    job.notebook("20_notebook.ipynb", [
        code("what = 'new'"),
        code("job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{what}')\")"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["old", "new"]
    assert compiles[-1].endswith("[code cell 1]")  # only the changed cell compiled again


def test_a_failing_cell_from_the_cache_is_named_with_its_line(job, run_job, db, writes_bytecode, compiles):
    events_job(job, "x = 1", "y = 2\nraise ValueError('no data for today')")
    for _ in range(2):
        outcome = run_job(job)
        assert outcome.exit_code != 0
        assert "A notebook cell raised ValueError: no data for today" in outcome.output
        assert "code cell 2" in outcome.output and "line 2" in outcome.output
        assert "raise ValueError('no data for today')" in outcome.output
    assert len(compiles) == 2


def test_a_compile_warning_shows_on_every_run_of_the_real_vdk(job, db, tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    events_job(job, "ok = 1 is 1", record("ran"))
    for _ in range(2):
        result, output, _ = run_vdk(job, db, tmp_path)
        assert result.returncode == 0, output
        assert output.count('"is" with a literal') == 1, output
    assert len(list(cache_folder(tmp_path).iterdir())) == 1  # the other cell was kept
    assert db.events() == ["ran", "ran"]


def test_a_damaged_cache_file_is_replaced(job, run_job, db, tmp_path, writes_bytecode, compiles):
    events_job(job, record("ran"))
    assert run_job(job).exit_code == 0
    [kept] = cache_folder(tmp_path).iterdir()
    kept.write_bytes(kept.read_bytes()[:40])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert len(compiles) == 2 and db.events() == ["ran", "ran"]
    assert marshal.loads(kept.read_bytes())  # whole again


def test_code_kept_for_another_python_or_plugin_is_not_run(job, run_job, db, tmp_path, writes_bytecode):
    events_job(job, record("ran"))
    assert run_job(job).exit_code == 0
    [kept] = cache_folder(tmp_path).iterdir()
    stamp, known = marshal.loads(kept.read_bytes())
    [key] = known
    planted = compile(record("planted"), key[1], "exec")
    kept.write_bytes(marshal.dumps((stamp[:-1] + ((0, 0),), {key: (planted, False)})))
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["ran", "ran"]


def test_a_link_planted_as_the_cache_folder_is_not_followed(
        job, run_job, db, tmp_path, writes_bytecode, compiles):
    elsewhere = tmp_path / "chosen-by-someone-else"
    elsewhere.mkdir()
    cache_folder(tmp_path).parent.mkdir(parents=True)
    cache_folder(tmp_path).symlink_to(elsewhere)
    events_job(job, record("ran"))
    for _ in range(2):
        outcome = run_job(job)
        assert outcome.exit_code == 0, outcome.explain()
    assert list(elsewhere.iterdir()) == []
    assert len(compiles) == 2 and db.events() == ["ran", "ran"]


def test_nothing_is_written_under_dont_write_bytecode(job, run_job, db, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    events_job(job, record("ran"))
    assert run_job(job).exit_code == 0
    assert not cache_folder(tmp_path).exists() or list(cache_folder(tmp_path).iterdir()) == []


def test_code_kept_without_optimisation_is_not_run_under_python_O(job, db, tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.delenv("PYTHONOPTIMIZE", raising=False)
    events_job(job, "assert False, 'asserts are on'", record("ran"))
    result, output, _ = run_vdk(job, db, tmp_path)
    assert result.returncode != 0 and "AssertionError: asserts are on" in output
    monkeypatch.setenv("PYTHONOPTIMIZE", "1")  # python -O: asserts are not compiled in
    result, output, _ = run_vdk(job, db, tmp_path)
    assert result.returncode == 0, output
    assert db.events() == ["ran"]
