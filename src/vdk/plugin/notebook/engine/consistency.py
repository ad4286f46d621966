"""Warnings when what last ran in Jupyter may not be what `vdk run` is about to run.

A notebook is developed by running cells in any order, and a kernel keeps state that no cell
creates any more. `vdk run` executes the cells top to bottom in a fresh process. The saved
notebook tells how it was last run (execution counts, the kernel's Python version); where that
differs from a top-to-bottom run with this Python, or with the version the job deploys with, a
warning names the cells or versions, so a surprise in production can be traced back here.
These are warnings, not errors: the notebook may well be right.
"""
from __future__ import annotations

import logging
import pathlib
import re
import sys
from typing import Optional
from typing import Sequence

from vdk.plugin.notebook.engine.cells import Cell
from vdk.plugin.notebook.engine.cells import cell_label
from vdk.plugin.notebook.engine.cells import numbered_code_cells
from vdk.plugin.notebook.engine.errors import shown

log = logging.getLogger(__name__)

_MAJOR_MINOR = r"^\s*(\d+)\.(\d+)"
_RERUN = (
    "State built interactively may not exist when vdk run executes the cells top to bottom. "
    "To check, restart the kernel in Jupyter, run all cells, and save the notebook."
)


def warn_if_inconsistent(
    path: pathlib.Path, nb: dict, cells: Sequence[Cell], configured: Optional[str] = None
) -> None:
    """Log a warning for each way the saved notebook shows it was run unlike `vdk run` runs it.
    `configured`: the Python version the job deploys with (config.ini), if it names one."""
    for message in execution_order_findings(shown(path.name), nb, cells) + python_version_findings(
        shown(path.name), nb["metadata"], configured
    ):
        log.warning(message)


def execution_order_findings(notebook: str, nb: dict, cells: Sequence[Cell]) -> list[str]:
    """Runnable cells last executed out of notebook order, or never executed at all."""
    counts = [cell.get("execution_count") for _, cell in numbered_code_cells(nb)]
    if not any(isinstance(count, int) for count in counts):
        return []  # never run in Jupyter, or saved with outputs cleared: nothing to compare
    never_run: list[int] = []
    out_of_order: list[str] = []
    above: Optional[tuple[int, int]] = None  # (cell number, count) of the latest run above
    for cell in cells:
        count = counts[cell.number - 1]
        if not isinstance(count, int):
            never_run.append(cell.number)
            continue
        if above is not None and count <= above[1]:
            out_of_order.append(
                f"{cell_label(cell.number)} (In [{count}]) ran before {cell_label(above[0])} "
                f"(In [{above[1]}]) above it"
            )
        else:
            above = (cell.number, count)
    findings = []
    if out_of_order:
        findings.append(
            f"{notebook} was last run out of order in Jupyter: {'; '.join(out_of_order)}. "
            + _RERUN
        )
    if never_run:
        findings.append(
            f"{notebook}: {_cells(never_run)} never ran in the saved Jupyter session, but vdk "
            "run executes them. " + _RERUN
        )
    return findings


def python_version_findings(
    notebook: str, metadata: dict, configured: Optional[str] = None
) -> list[str]:
    """The notebook's last kernel ran another Python (major.minor) than this run, or than the
    one the job's config.ini deploys it with."""
    saved = (metadata.get("language_info") or {}).get("version")
    saved_major_minor = _major_minor(saved) if isinstance(saved, str) else None
    if not saved_major_minor:
        return []
    findings = []
    if saved_major_minor != tuple(sys.version_info[:2]):
        running = "{}.{}.{}".format(*sys.version_info[:3])
        findings.append(
            f"{notebook} was last run in Jupyter with Python {saved}, but this run uses Python "
            f"{running}. Code and packages can behave differently between Python versions; "
            "run the notebook in Jupyter with the job's Python version to check it."
        )
    configured_major_minor = _major_minor(configured) if configured else None
    if configured_major_minor and configured_major_minor != saved_major_minor:
        findings.append(
            f"{notebook} was last run in Jupyter with Python {saved}, but the job's config.ini "
            f"sets python_version = {configured}, the version it runs with when deployed. Use "
            "a Jupyter kernel with that Python version, or change python_version."
        )
    return findings


def _major_minor(version: str) -> Optional[tuple[int, int]]:
    match = re.match(_MAJOR_MINOR, version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _cells(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return cell_label(numbers[0])
    return "code cells " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
