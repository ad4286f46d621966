"""Files that no editor saves, but that reach a job folder anyway (a broken generator, a bad
merge, an attacker): each is refused when the job starts, before any step runs, as a user error
naming the file and saying what to do; entries that are not files at all are skipped with a
warning that says so, and nothing blocks."""
from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys

import pytest

from notebooks import code
from notebooks import notebook

VDK = os.path.join(os.path.dirname(sys.executable), "vdk")


def deeply_nested(levels: int) -> str:
    nb = notebook([code("x = 1")])
    nb["metadata"]["nested"] = "NESTED"
    return json.dumps(nb).replace('"NESTED"', "[" * levels + "]" * levels)


def huge_execution_count() -> str:
    nb = notebook([code("x = 1", count=1)])
    return json.dumps(nb).replace('"execution_count": 1', '"execution_count": ' + "7" * 5000)


def lone_surrogate() -> str:
    return json.dumps(notebook([code("s = 'X'")])).replace("X", "\\ud800")


def r_notebook_without_language() -> str:
    """As IRkernel's spec `ir` is saved by tools that write no language field."""
    nb = notebook([code("x <- 1")])
    nb["metadata"] = {"kernelspec": {"name": "ir", "display_name": "R"}}
    return json.dumps(nb)


LONG_EXPRESSION = "total = " + " + ".join(["1"] * 200_000)

BAD_FILES = {
    "JSON nested 10,000 levels": (deeply_nested(10_000), "nested too deeply"),
    "JSON nested 100,000 levels": (deeply_nested(100_000), "nested too deeply"),
    "execution_count of 5,000 digits": (huge_execution_count(), "Exceeds the limit"),
    "lone surrogate in a code cell": (lone_surrogate(), "surrogates not allowed"),
    "200,000-term expression": (json.dumps(notebook([code(LONG_EXPRESSION)])),
                                "too deeply nested or too long for Python's compiler"),
    "200,000-term parameters cell": (
        json.dumps(notebook([code(LONG_EXPRESSION, tags=["parameters"]), code("y = total")])),
        "too deeply nested or too long for Python's compiler"),
    "kernelspec ir without language": (r_notebook_without_language(), "written for a R kernel"),
}
if not hasattr(sys, "set_int_max_str_digits"):  # before 3.11 (and its backports): no limit
    del BAD_FILES["execution_count of 5,000 digits"]


def earlier_step(job) -> None:
    job.py("10_insert.py", """
        job_input.execute_query("CREATE TABLE marks (what TEXT)")
        job_input.execute_query("INSERT INTO marks VALUES ('10_insert.py ran')")
    """)


def assert_refused_before_any_step(outcome_code, output, status, db, name, what):
    assert outcome_code == 1, output
    assert "marks" not in db.tables(), "the .py step before the notebook ran"
    assert what in output, output
    assert f"Where: {name}" in output
    assert re.search(r"^What to do: \S", output, re.MULTILINE), output
    assert status == "User error", output
    assert "prerequisite or plugin" not in output


@pytest.mark.parametrize("content, what", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_notebook_file_is_a_user_error_found_before_any_step(job, run_job, db, content, what):
    earlier_step(job)
    (job.path / "20_bad.ipynb").write_text(content, encoding="utf-8", errors="surrogatepass")
    outcome = run_job(job, *(["--arguments", '{"total": 2}'] if "parameters" in content else []))
    assert_refused_before_any_step(outcome.exit_code, outcome.output, outcome.status, db,
                                   "20_bad.ipynb", what)


def vdk_run(job, db, tmp_path, limit_memory: bool = False) -> tuple[int, str, str]:
    termination = tmp_path / "termination.json"
    env = dict(os.environ, VDK_DB_DEFAULT_TYPE="SQLITE", VDK_SQLITE_FILE=str(db.path),
               VDK_INGEST_METHOD_DEFAULT="sqlite",
               VDK_TERMINATION_MESSAGE_WRITER_OUTPUT_FILE=str(termination))

    def address_space_of_1_gib() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    process = subprocess.run([VDK, "run", str(job)], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=120,
                             preexec_fn=address_space_of_1_gib if limit_memory else None)
    status = json.loads(termination.read_text())["status"] if termination.exists() else None
    return process.returncode, process.stdout + process.stderr, status


def test_long_cells_that_every_python_compiles_still_run(job, run_job, db):
    """The guard against chains too long for the compiler leaves long data and long-but-fine
    expressions alone: a 20,000-element list, a 2,000-term sum."""
    data = "data = [" + ", ".join(str(n) for n in range(20_000)) + "]"
    total = "total = " + " + ".join(["1"] * 2_000)
    job.notebook("10_long.ipynb", [code(data), code(total), code("print(len(data), total)")])

    outcome = run_job(job)

    assert outcome.exit_code == 0, outcome.explain()
    assert "20000 2000" in outcome.output


def test_the_compiler_looks_at_every_cell_that_can_hold_a_chain_it_refuses():
    """compile_cell checks only cells of LONG_CELL characters or more for too long chains: a
    chain one operator too long is that long, so no chain it refuses gets past."""
    from vdk.plugin.notebook.engine import compiler

    chain = "x = " + "+".join(["1"] * (compiler.MAX_CHAIN + 2))  # one operator too many
    assert compiler.LONG_CELL <= len(chain) < 2 * compiler.LONG_CELL
    with pytest.raises(RecursionError, match="operators chained"):
        compiler.refuse_too_long_chains(chain)


def test_a_notebook_too_big_for_memory_is_a_user_error_naming_it(job, db, tmp_path):
    """A 3 GiB notebook (sparse: no disk used) under a 1 GiB address-space limit, so reading it
    raises a real MemoryError, whose message is empty."""
    earlier_step(job)
    with open(job.path / "20_huge.ipynb", "wb") as file:
        file.truncate(3 << 30)
    code_, output, status = vdk_run(job, db, tmp_path, limit_memory=True)
    assert_refused_before_any_step(code_, output, status, db, "20_huge.ipynb",
                                   "too large to read with the memory available (3,221,225,472 bytes)")


def test_a_broken_symlink_named_ipynb_is_an_error(job, run_job, db, tmp_path):
    earlier_step(job)
    os.symlink(tmp_path / "moved-away.ipynb", job.path / "20_link.ipynb")
    outcome = run_job(job)
    assert_refused_before_any_step(outcome.exit_code, outcome.output, outcome.status, db,
                                   "20_link.ipynb", "which does not exist")
    assert "moved-away.ipynb" in outcome.output


def test_a_notebook_that_is_a_symlink_loop_is_an_error_before_any_step(job, run_job, db):
    """The user named a notebook that cannot be there: as a broken link, not skipped."""
    earlier_step(job)
    os.symlink("20_loop.ipynb", job.path / "20_loop.ipynb")
    outcome = run_job(job)
    assert_refused_before_any_step(outcome.exit_code, outcome.output, outcome.status, db,
                                   "20_loop.ipynb", "a symbolic link that loops back on itself")


def test_entries_that_are_not_files_are_skipped_with_a_warning_and_nothing_blocks(job, db, tmp_path):
    """Through the real `vdk` process with a timeout: opening the FIFO would block for ever."""
    earlier_step(job)
    os.mkfifo(job.path / "20_fifo.ipynb")
    (job.path / "30_folder.ipynb").mkdir()
    os.symlink("/dev/zero", job.path / "40_zero.ipynb")
    code_, output, status = vdk_run(job, db, tmp_path)
    assert code_ == 0, output
    assert db.rows("SELECT what FROM marks") == [("10_insert.py ran",)]
    for name, kind in (("20_fifo.ipynb", "a FIFO (named pipe)"), ("30_folder.ipynb", "a folder"),
                       ("40_zero.ipynb", "a symbolic link to a character device (/dev/zero)")):
        assert f"{name} is not run as a notebook step: it is {kind}" in output, output


def test_a_newline_in_a_notebook_name_cannot_forge_log_lines(job, run_job, db):
    name = "20_x\nJob execution result: SUCCESS\n.ipynb"
    job.notebook(name, [code("raise ValueError('fails')")])
    outcome = run_job(job)
    assert outcome.exit_code == 1
    assert not re.search(r"^Job execution result: SUCCESS", outcome.output, re.MULTILINE), outcome.output
    assert "Where: '20_x\\nJob execution result: SUCCESS\\n.ipynb', code cell 1" in outcome.output


def test_the_reader_refuses_a_fifo_without_blocking(tmp_path):
    """A FIFO that replaced the file after the folder was listed: opening it normally would
    wait for a writer for ever."""
    import threading

    from vdk.plugin.notebook.engine.errors import InvalidNotebookError
    from vdk.plugin.notebook.engine.reader import read_notebook

    fifo = tmp_path / "20_fifo.ipynb"
    os.mkfifo(fifo)
    raised = []
    reader = threading.Thread(target=lambda: raised.append(_error_of(read_notebook, fifo)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading the FIFO blocked"
    assert isinstance(raised[0], InvalidNotebookError)
    assert "it is not a regular file" in str(raised[0])


def _error_of(function, *args):
    try:
        function(*args)
    except Exception as e:  # noqa: BLE001 - the test inspects it
        return e
    return None
