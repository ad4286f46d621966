"""Writing notebook files for tests, in the exact JSON Jupyter saves (nbformat 4.5)."""
from __future__ import annotations

import json
import pathlib
import sys
from typing import Any
from typing import Iterable
from typing import Optional

# What Jupyter records of the kernel that last ran a notebook: here, the Python running the tests.
THIS_PYTHON = "{}.{}.{}".format(*sys.version_info[:3])


def code(source: str, tags: Iterable[str] = (), cell_id: Optional[str] = None, count=None) -> dict:
    metadata: dict[str, Any] = {"tags": list(tags)} if tags else {}
    cell = {"cell_type": "code", "execution_count": count, "metadata": metadata,
            "outputs": [], "source": source.splitlines(True)}
    if cell_id:
        cell["id"] = cell_id
    return cell


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(True)}


def raw(source: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": source.splitlines(True)}


def notebook(cells: list[dict], language: str = "python", version: str = THIS_PYTHON) -> dict:
    for index, cell in enumerate(cells):
        cell.setdefault("id", f"cell-{index}")
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"},
            "language_info": {"name": language, "version": version},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(path: pathlib.Path, cells_or_nb, **kwargs) -> pathlib.Path:
    nb = cells_or_nb if isinstance(cells_or_nb, dict) else notebook(cells_or_nb, **kwargs)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


# Most tests prove what ran, and in which order, by rows in one table of the job's database.
CREATE_EVENTS = "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT)"


def record(what: str) -> str:
    """A Python statement (for a cell or a .py step) that appends `what` to the events table."""
    return f"job_input.execute_query(\"INSERT INTO events (what) VALUES ('{what}')\")"
