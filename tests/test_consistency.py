"""`vdk run` warns when the saved notebook shows it was last run in Jupyter unlike `vdk run` runs
it: cells out of order, runnable cells never run, another Python version. Warnings only: the job
still runs and lands its rows."""
from __future__ import annotations

import sys

import pytest

from notebooks import CREATE_EVENTS
from notebooks import code
from notebooks import markdown
from notebooks import record

RUNNING = "{}.{}.{}".format(*sys.version_info[:3])
OTHER = f"{sys.version_info[0]}.{sys.version_info[1] - 1}.4"  # another minor version

ORDER_WARNING = "was last run out of order in Jupyter"
NEVER_RAN = "never ran in the saved Jupyter session"
VERSION_WARNING = "was last run in Jupyter with Python"


def _notebook(job, counts, version=RUNNING, tags=((), (), ())):
    job.sql("10_create.sql", CREATE_EVENTS)
    return job.notebook("20_nb.ipynb", [
        markdown("# Load"),
        code(record("one"), tags=tags[0], count=counts[0]),
        code(record("two"), tags=tags[1], count=counts[1]),
        code(record("three"), tags=tags[2], count=counts[2]),
    ], version=version)


def test_cells_last_run_out_of_order_are_named_and_the_job_still_runs(job, run_job, db):
    _notebook(job, counts=[1, 5, 3])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert (f"20_nb.ipynb {ORDER_WARNING}: code cell 3 (In [3]) ran before code cell 2 (In [5]) "
            "above it.") in outcome.output
    assert "restart the kernel in Jupyter, run all cells" in outcome.output
    assert db.events() == ["one", "two", "three"]


def test_runnable_cells_never_run_in_jupyter_are_named(job, run_job, db):
    _notebook(job, counts=[1, None, None])
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert f"20_nb.ipynb: code cells 2 and 3 {NEVER_RAN}, but vdk run executes them" in outcome.output
    assert ORDER_WARNING not in outcome.output


def test_a_notebook_run_top_to_bottom_or_never_run_gets_no_warning(job, run_job, db):
    _notebook(job, counts=[4, 5, 9])
    clean = run_job(job)
    assert clean.exit_code == 0, clean.explain()
    job.notebook("20_nb.ipynb", [code(record("fresh"))])  # as saved with outputs cleared
    fresh = run_job(job)
    for outcome in (clean, fresh):
        assert ORDER_WARNING not in outcome.output and NEVER_RAN not in outcome.output
        assert VERSION_WARNING not in outcome.output


def test_cells_vdk_run_leaves_out_do_not_count(job, run_job, db):
    # Cell 2 is exploration, run last and never again; cell 3 never ran, but vdk run skips it.
    _notebook(job, counts=[1, 7, None], tags=((), ("non-vdk",), ("skip-execution",)))
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert ORDER_WARNING not in outcome.output and NEVER_RAN not in outcome.output
    assert db.events() == ["one"]


def test_another_python_version_in_the_notebook_is_reported_with_both_versions(job, run_job, db):
    _notebook(job, counts=[1, 2, 3], version=OTHER)
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert (f"20_nb.ipynb {VERSION_WARNING} {OTHER}, but this run uses Python {RUNNING}."
            in outcome.output)


def test_a_config_ini_python_version_other_than_the_notebooks_is_reported(job, run_job, db):
    job.file("config.ini", "[owner]\nteam = my-team\n\n[job]\npython_version = 3.9\n")
    _notebook(job, counts=[1, 2, 3], version="3.12.1")
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert (f"20_nb.ipynb {VERSION_WARNING} 3.12.1, but the job's config.ini sets "
            "python_version = 3.9, the version it runs with when deployed.") in outcome.output


def test_matching_versions_give_no_version_warning(job, run_job, db):
    major_minor = "{}.{}".format(*sys.version_info[:2])
    job.file("config.ini", f"[owner]\nteam = my-team\n\n[job]\npython_version = {major_minor}\n")
    _notebook(job, counts=[1, 2, 3], version=f"{major_minor}.99")  # patch level does not matter
    outcome = run_job(job)
    assert outcome.exit_code == 0, outcome.explain()
    assert VERSION_WARNING not in outcome.output


def _python_version_findings_expected(notebook, metadata, configured=None):
    """What python_version_findings must find, worked out the long way: each version parsed at
    every use, this Python's version formatted and parsed too."""
    import sys

    from vdk.plugin.notebook.engine.consistency import _major_minor

    saved = (metadata.get("language_info") or {}).get("version")
    if not isinstance(saved, str) or not _major_minor(saved):
        return []
    findings = []
    running = "{}.{}.{}".format(*sys.version_info[:3])
    if _major_minor(saved) != _major_minor(running):
        findings.append(("running", saved, running))
    if configured and _major_minor(configured) and _major_minor(configured) != _major_minor(saved):
        findings.append(("configured", saved, configured))
    return findings


def _versions():
    import sys

    this = "{}.{}".format(*sys.version_info[:2])
    return [None, "", "3", "x.y", " 3.9", "3.9", "3.9.1", this, this + ".0", this + "rc1",
            " " + this, "3.12.1", "2.7.18", "10.0", 3.9]


@pytest.mark.parametrize("configured", _versions()[:-1], ids=range(len(_versions()) - 1))
def test_the_python_version_warnings_are_those_of_the_earlier_code(configured):
    from vdk.plugin.notebook.engine.consistency import python_version_findings

    for saved in _versions():
        metadata = {"language_info": {"name": "python", "version": saved}}
        found = python_version_findings("nb.ipynb", metadata, configured)
        expected = _python_version_findings_expected("nb.ipynb", metadata, configured)
        assert [(("running" if "this run uses" in f else "configured")) for f in found] == [
            kind for kind, _, _ in expected], (saved, configured)
        for message, (_, saved_text, other) in zip(found, expected):
            assert f"Python {saved_text}" in message and str(other) in message
    assert python_version_findings("nb.ipynb", {}, configured) == []
