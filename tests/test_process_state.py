"""A notebook step leaves the job's process as it found it, whether the step passed or failed.

Cells run in the job's own process (that is what makes a notebook step as cheap as a .py step);
a kernel-based runner throws its process away, this one must give back what it borrowed.
"""
from __future__ import annotations

import builtins
import linecache
import logging
import os
import signal
import sys

import pytest

from notebooks import code

SIGNALS = [signal.SIGALRM, signal.SIGINT, signal.SIGTERM]


def snapshot() -> dict:
    """The process-wide state a notebook run could change."""
    ipython = sys.modules.get("IPython.core.interactiveshell")
    return {
        "sys.path": list(sys.path),
        "__main__": sys.modules.get("__main__"),
        "stdout": sys.stdout,
        "stderr": sys.stderr,
        "displayhook": sys.displayhook,
        "excepthook": sys.excepthook,
        "cwd": os.getcwd(),
        "signals": {signum: signal.getsignal(signum) for signum in SIGNALS},
        "timer": signal.getitimer(signal.ITIMER_REAL),
        "loggers": {name: logging.getLogger(name).level
                    for name in ("", "vdk", "vdk.plugin.notebook", "IPython", "traitlets")},
        "cell sources in linecache": sorted(name for name in linecache.cache if ".ipynb" in name),
        "builtins": sorted(vars(builtins)),
        "IPython shell singleton": bool(ipython and ipython.InteractiveShell.initialized()),
    }


# name: (cells, exit code of the run)
NOTEBOOKS = {
    "plain, passing": ([code("import helper_mod\nx = helper_mod.VALUE\nx")], 0),
    "plain, failing": ([code("import helper_mod\nraise ValueError('boom')")], 1),
    "magics, passing": ([code("%time y = 1\n!echo shell\ny")], 0),
    "magics, failing": ([code("%time y = 1"), code("%%capture\nraise KeyError('k')")], 1),
    "timed out": ([code("import time\ntime.sleep(5)")], 1),
    "sys.exit": ([code("import sys\nsys.exit(3)")], 1),
}


@pytest.mark.parametrize("cells, exit_code", NOTEBOOKS.values(), ids=NOTEBOOKS.keys())
def test_a_notebook_step_gives_back_every_change_to_the_process(
    job, run_job, monkeypatch, tmp_path, cells, exit_code
):
    from conftest import JobFolder

    monkeypatch.setenv("VDK_NOTEBOOK_CELL_TIMEOUT", "0.5")
    job.file("helper_mod.py", "VALUE = 1\n")
    job.notebook("10_nb.ipynb", cells)
    job.py("20_after.py", "pass")
    # vdk-core's own set-up in a process (logging, plugins) is not ours to judge: a job without
    # notebooks runs first.
    without_notebooks = JobFolder(tmp_path / "warm-up")
    without_notebooks.py("10_step.py", "pass")
    assert run_job(without_notebooks).exit_code == 0
    before = snapshot()
    outcome = run_job(job)
    after = snapshot()
    assert outcome.exit_code == exit_code, outcome.explain()
    assert after == before


@pytest.mark.parametrize("change", ["rebind", "rebind to an equal object", "add", "delete",
                                    "delete and add back", "nothing"])
def test_builtins_are_left_exactly_as_they_were(change):
    """builtins_kept skips its restore only when nothing changed; whatever a cell did to the
    builtins module is undone, down to the identity of each object."""
    import builtins

    from vdk.plugin.notebook.engine.process_state import builtins_kept

    before = dict(vars(builtins))
    with builtins_kept():
        if change == "rebind":
            builtins.len = lambda value: 0
        elif change == "rebind to an equal object":
            vars(builtins)["__debug__"] = 1  # == True, but another object
        elif change == "add":
            builtins.display = print
        elif change in ("delete", "delete and add back"):
            saved = builtins.input
            del builtins.input
            if change == "delete and add back":
                builtins.input = saved
    after = vars(builtins)
    assert set(after) == set(before)
    assert all(after[name] is value for name, value in before.items())


class _Refusing:
    """An object whose attribute `locked` cannot be set."""

    value = "original"
    locked = "locked"

    def __setattr__(self, name, value):
        if name == "locked":
            raise AttributeError("locked")
        object.__setattr__(self, name, value)


def test_attributes_are_replaced_and_given_back_as_nested_withs_would():
    """attributes_replaced, one object for several attributes: set in order, put back in the
    reverse order, and what was set is given back when a later one cannot be set."""
    from vdk.plugin.notebook.engine.process_state import attributes_replaced

    first, second = _Refusing(), _Refusing()
    with attributes_replaced((first, "value", 1), (second, "value", 2)):
        assert (first.value, second.value) == (1, 2)
        raising = attributes_replaced((first, "value", 3), (second, "locked", 4))
        with pytest.raises(AttributeError):
            raising.__enter__()
        assert first.value == 1  # given back at once
    assert (vars(first)["value"], vars(second)["value"]) == ("original", "original")


def test_a_subclass_of_a_built_in_type_has_its_repr_methods_looked_up():
    from vdk.plugin.notebook.engine.display_values import format_value

    class Rows(list):
        def _repr_html_(self):
            return "<table></table>"

    data, _ = format_value(Rows([1]), print)
    assert data == {"text/html": "<table></table>", "text/plain": "[1]"}
