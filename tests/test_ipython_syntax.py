"""IPython syntax that Jupyter accepts without `%` or `!` runs under vdk run too: help (`obj?`,
`?obj`, `obj??`), pasted prompts (`>>> `, `In [1]: `), a cell indented as a whole, and automagic
(`pwd`, `ls -d /tmp`), decided as IPython decides it: a magic name defined in the notebook is
the notebook's own. Plain-Python cells still never import IPython."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from notebooks import CREATE_EVENTS
from notebooks import code

SAVE = "job_input.execute_query(f\"INSERT INTO events (what) VALUES ('{value}')\")"


def test_help_prompts_and_indented_cells_run_as_in_jupyter(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_syntax.ipynb", [
        code("def area(r):\n    'The area of a circle of radius r.'\n    return 3 * r * r"),
        code("area?"),
        code("?area"),
        code("area??"),
        code(">>> x = 1\n>>> y = x + 1\n>>> value = y\n>>> " + SAVE),
        code("In [1]: value = 'prompt'\n"),
        code(SAVE),
        code("    value = 'indented'\n    " + SAVE),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["2", "prompt", "indented"]
    # As IPython's help, without a pager: the docstring and the source (`??`) are printed.
    assert outcome.output.count("The area of a circle of radius r.") >= 3, outcome.output
    assert "return 3 * r * r" in outcome.output


def test_automagic_runs_a_magic_unless_the_name_is_defined(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_automagic.ipynb", [
        code("pwd"),
        code("value = _\n" + SAVE),
        code("\n   \n    pwd\n"),  # IPython strips blank lines and the indent first
        code("value = _\n" + SAVE),
        code("ls -d /tmp"),
        code("pwd = 'my own pwd'"),
        code("pwd"),  # now the notebook's variable, as in IPython
        code("value = _\n" + SAVE),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == [str(job.path), str(job.path), "my own pwd"]
    assert "/tmp/\n" in outcome.output  # IPython's ls alias is `ls -F`


def test_a_magic_name_the_notebook_defined_is_python_as_in_ipython(job, run_job, db):
    # `ls -d /tmp` is also Python (`ls - d / tmp`): with `ls` defined, IPython runs it as such.
    job.notebook("20_shadowed.ipynb", [
        code("ls = 1"),
        code("ls -d /tmp"),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "NameError: name 'd' is not defined" in outcome.output
    assert "20_shadowed.ipynb, code cell 2" in outcome.output


def test_a_defined_magic_name_with_arguments_that_are_not_python_fails_as_in_ipython(
    job, run_job, db
):
    job.notebook("20_shadowed.ipynb", [code("cd = 'x'"), code("cd ..")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "SyntaxError" in outcome.output
    assert "20_shadowed.ipynb, code cell 2" in outcome.output


def test_a_real_syntax_error_still_stops_the_job_before_it_starts(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_broken.ipynb", [code("x = (1,\ny = 2?")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "Syntax error in a notebook cell" in outcome.output
    assert "events" not in db.tables()


def test_the_list_of_automagic_names_is_ipythons(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    from vdk.plugin.notebook.engine.ipython_syntax import AUTOMAGIC_NAMES

    installed = frozenset(InteractiveShell().magics_manager.magics["line"])
    # IPython 8.18 (the last for Python 3.9) has all but %uv, which IPython 9 added.
    assert installed <= AUTOMAGIC_NAMES
    assert AUTOMAGIC_NAMES - installed <= {"uv"}


def test_plain_cells_that_look_like_automagic_do_not_import_ipython(job, db):
    # `result` alone on a line (the value to display) is plain Python; so is a `?` in a comment
    # or a string. A real process: in-process runs share sys.modules with pytest.
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_plain.ipynb", [
        code("result = [1, 2]"),
        code("result"),
        code("x = 1  # ok?"),
        code("print('ends with a question?')"),
    ])
    job.py("30_check.py", "import sys\nvalue = 'IPython' in sys.modules\n" + SAVE)
    vdk = os.path.join(os.path.dirname(sys.executable), "vdk")
    done = subprocess.run([vdk, "run", str(job.path)], capture_output=True, text=True,
                          timeout=120, cwd=job.path.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert db.events() == ["False"]


def test_help_never_starts_a_pager_when_the_job_runs_in_a_terminal(job, db, tmp_path):
    # IPython pages long help through `less` when stdout is a terminal; a job must not wait for
    # a key. A real `vdk run` on a pseudo-terminal of 24 lines, without a report (whose capture
    # would hide the terminal), bounded by a timeout.
    import fcntl
    import pty
    import select
    import struct
    import termios

    doc = "\\n".join(f"line {i} of the help" for i in range(200))
    job.notebook("20_help.ipynb", [code(f"def f():\n    '''{doc}'''\n"), code("f?")])
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, VDK_NOTEBOOK_REPORT="false", TERM="xterm", PAGER="less")
    vdk = os.path.join(os.path.dirname(sys.executable), "vdk")
    process = subprocess.Popen([vdk, "run", str(job.path)], stdin=follower, stdout=follower,
                               stderr=follower, env=env, cwd=tmp_path)
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if not select.select([leader], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the job ended
                break
            if not chunk:
                break
            output += chunk
        code_ = process.wait(timeout=30)
    finally:
        process.kill()
        os.close(leader)
    text = output.decode(errors="replace")
    assert code_ == 0, text
    assert "line 199 of the help" in text


def test_a_syntax_error_in_a_cell_with_help_syntax_names_its_own_line(job, run_job, db):
    job.notebook("20_broken.ipynb", [code("len?\nx = (1,\n")])
    outcome = run_job(job)
    assert outcome.exit_code == 1, outcome.explain()
    assert "Syntax error in a notebook cell" in outcome.output
    assert "20_broken.ipynb, code cell 1 (id cell-0), line 2" in outcome.output
