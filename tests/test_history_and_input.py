"""IPython's history names work as in Jupyter; `input()` fails at once instead of reading the
job's stdin; the old vdk-ipython set-up cell runs unchanged."""
from __future__ import annotations

import os
import subprocess
import sys

from notebooks import CREATE_EVENTS
from notebooks import code

# Records str(value), quotes and all.
SAVE = ("job_input.execute_query(\"INSERT INTO events (what) VALUES ('\" + "
        "str(value).replace(\"'\", \"''\") + \"')\");")  # `;`: not shown, not in Out


def test_history_names_as_in_ipython(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_history.ipynb", [
        code("2 + 10"),                       # count 1: Out[1] = 12
        code("value = _ + 10\n" + SAVE),      # count 2: nothing shown
        code("'b'"),                          # count 3
        code("'c';"),                         # count 4: hidden by `;`, not in history
        code("value = (_, __, _1, _3, Out[1], sorted(Out))\n" + SAVE),
        code("value = (_i, _i2 == In[2], len(In), _iii.startswith('2 +'))\n" + SAVE),
        code("%time 7 * 6"),                  # count 7: a magic's value is shown too
        code("value = _7\n" + SAVE),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    previous_input = "value = (_, __, _1, _3, Out[1], sorted(Out))\n" + SAVE
    assert db.events() == [
        "22",
        "('b', 12, 12, 'b', 12, [1, 3])",
        str((previous_input, True, 7, False)),
        "42",
    ]


def test_underscore_assigned_by_the_notebook_is_left_alone(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_history.ipynb", [
        code("for _ in range(3):\n    pass"),
        code("'shown'"),
        code("value = _\n" + SAVE),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["2"]


def test_input_fails_at_once_with_what_to_do_instead(job, db, tmp_path):
    # A real `vdk run` with its stdin open and nobody typing: it must end, not wait.
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_ask.ipynb", [
        code("name = input('Your name: ')\n" + "value = name\n" + SAVE),
    ])
    vdk = os.path.join(os.path.dirname(sys.executable), "vdk")
    process = subprocess.Popen([vdk, "run", str(job.path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=tmp_path)
    try:
        output, _ = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 1, output
    assert "A notebook cell raised InputNotAvailableError: input() was called" in output
    assert "vdk run --arguments" in output
    assert "20_ask.ipynb, code cell 1" in output
    assert db.events() == []
    import builtins
    assert builtins.input.__module__ == "builtins"


def test_the_old_vdk_ipython_set_up_cell_is_dropped_under_vdk_run(job, run_job, db):
    job.sql("10_create.sql", CREATE_EVENTS)
    job.notebook("20_old.ipynb", [
        code("%reload_ext vdk.plugin.ipython\n%reload_VDK --name=my-job\n"
             "job_input = VDK.get_initialized_job_input()"),
        code("value = job_input.get_name()\n" + SAVE),
    ])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert db.events() == ["my-job"]
    assert "vdk.plugin.ipython" not in outcome.output.replace("20_old", "")
