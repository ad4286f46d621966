"""Notebooks others wrote (tests/corpus, origins in SOURCES.md) end the same way and print the same
under `vdk run` as in Jupyter.

Each notebook runs twice: cell by cell in a real kernel (nbclient and ipykernel, as Jupyter runs
it, in the notebook's folder), and as the only step of a job started from another folder. The
outcome (success or failure) and what the cells printed to stdout (the kernel's stream outputs;
the run report's, which holds what the job log got from the cells) must match, except for the
deliberate differences below, each with its reason; the README lists the same table.
"""
from __future__ import annotations

import pathlib
import shutil
from typing import NamedTuple

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from kernels import notebook_client  # noqa: E402 - needs nbclient

CORPUS = pathlib.Path(__file__).parent / "corpus"
NOTEBOOKS = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.ipynb"))


class Difference(NamedTuple):
    outcome: bool  # True: the outcome differs; False: only the printed output does
    reason: str


# The one list of deliberate differences (README: "Deliberate differences from Jupyter").
DIFFERENCES = {
    "papermill/broken1.ipynb": Difference(False, (
        "A cell with a syntax error (Python 2 print) stops the job before its first cell runs; "
        "Jupyter runs the cells above it first. Both fail.")),
    "nbclient/update-display-id.ipynb": Difference(True, (
        "It sends messages through the kernel's own channels (get_ipython().kernel), which "
        "exist only in a Jupyter kernel; use IPython.display.display(..., display_id=...) and "
        "update_display(), which vdk run supports.")),
}


class Outcome(NamedTuple):
    succeeded: bool
    stdout: str


def _stdout(cells) -> str:
    return "".join(
        output.get("text", "")
        for cell in cells if cell.get("cell_type") == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )


def _in_jupyter(folder: pathlib.Path, name: str) -> Outcome:
    nb = nbformat.read(folder / name, as_version=4)
    try:
        with notebook_client(nb, "python3", folder) as client:
            client.execute()
    except nbclient.exceptions.CellExecutionError:
        return Outcome(False, _stdout(nb.cells))
    return Outcome(True, _stdout(nb.cells))


def _under_vdk_run(run_job, job, tmp_path: pathlib.Path, name: str) -> Outcome:
    outcome = run_job(job)
    [report] = list((tmp_path / "reports").glob(f"*/*/{name}")) or [None]
    printed = _stdout(nbformat.read(report, as_version=4).cells) if report else ""
    return Outcome(outcome.exit_code == 0, printed)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_a_notebook_ends_and_prints_as_in_jupyter(notebook, job, run_job, tmp_path):
    source = CORPUS / notebook
    # Each run gets its own copy of the notebook's folder (files it reads, files it writes).
    jupyter_folder = tmp_path / "jupyter"
    shutil.copytree(source.parent, jupyter_folder)
    shutil.copytree(source.parent, job.path, dirs_exist_ok=True)
    for other in job.path.glob("*.ipynb"):
        if other.name != source.name:
            other.unlink()

    expected = _in_jupyter(jupyter_folder, source.name)
    actual = _under_vdk_run(run_job, job, tmp_path, source.name)

    difference = DIFFERENCES.get(notebook)
    if difference is None:
        assert actual == expected
    elif difference.outcome:
        assert actual.succeeded != expected.succeeded, difference.reason
    else:
        assert actual.succeeded == expected.succeeded
        assert actual.stdout != expected.stdout, difference.reason


def test_every_listed_difference_is_a_notebook_of_the_corpus():
    assert set(DIFFERENCES) <= set(NOTEBOOKS)
