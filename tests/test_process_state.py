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
