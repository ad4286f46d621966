"""Reading a notebook file into a checked nbformat 4 dictionary.

The common case (a current notebook saved by Jupyter) is read with the json module and the fast
check in `schema`, so a job pays nothing for nbformat. Old notebooks and anything the fast check
does not vouch for go through nbformat, which upgrades nbformat 3 in memory and explains what is
malformed; it is an extra (`vdk-jupyter[nbformat]`), and where it is missing such a notebook stops
the job at start saying what to install. The file itself is never written.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import pathlib
import stat
import warnings
from typing import Any

from vdk.plugin.notebook.engine.errors import InvalidNotebookError
from vdk.plugin.notebook.engine.errors import Location
from vdk.plugin.notebook.engine.errors import shown
from vdk.plugin.notebook.engine.schema import is_certainly_valid_v4
from vdk.plugin.notebook.engine.skim import MIN_FILE_BYTES as SKIM_MIN_BYTES
from vdk.plugin.notebook.engine.skim import skim

log = logging.getLogger(__name__)

NBFORMAT_INSTALL = 'pip install "vdk-jupyter[nbformat]"'

_RESTORE = (
    "Open the file in Jupyter and save it again, or restore it from version control. "
    "If it is not meant to be a step, move it out of the top level of the job folder."
)


def read_notebook(path: pathlib.Path, outputs: bool = True) -> dict[str, Any]:
    """The notebook at `path` as an nbformat 4 dictionary, or InvalidNotebookError.
    `outputs=False`: long strings in the saved outputs may come back as `skim.MARKER`, which
    spares decoding them (a run never uses them); the file is checked all the same."""
    where = Location(path.name)
    try:
        return _read_checked(path, where, outputs)
    except RecursionError:
        # json, nbformat and jsonschema all recurse per level of nesting.
        raise InvalidNotebookError(
            "The notebook's JSON is nested too deeply to read (thousands of levels); no "
            "notebook saved by Jupyter looks like this.", where, _RESTORE,
        ) from None
    except MemoryError:
        raise InvalidNotebookError(
            f"The notebook is too large to read with the memory available ({_size(path)}).",
            where,
            "Clear its outputs (Jupyter: Edit > Clear Outputs of All Cells) and save it, or "
            "give the job more memory. " + _RESTORE,
        ) from None


def _read_checked(path: pathlib.Path, where: Location, outputs: bool = True) -> dict[str, Any]:
    try:
        data = read_file(path)
        if not outputs and len(data) >= SKIM_MIN_BYTES:  # read without decoding saved outputs
            nb = skim(data)
            if nb is not None and is_certainly_valid_v4(nb):
                return nb
        text = data.decode("utf-8-sig")  # a leading byte-order mark dropped
        del data  # not kept beside the text of a large notebook
    except UnicodeDecodeError as e:
        raise InvalidNotebookError(
            f"The notebook is not UTF-8 text: byte {e.start} cannot be decoded ({e.reason}).",
            where,
            "Notebooks are UTF-8 JSON files. " + _RESTORE,
        ) from None
    except FileNotFoundError:
        if not path.is_symlink():
            raise InvalidNotebookError("The notebook file disappeared while the job started.",
                                       where, "Run the job again.") from None
        raise InvalidNotebookError(
            f"The notebook is a symbolic link to {shown(os.readlink(path))}, which does not exist.",
            where,
            "Point the link at the notebook, or remove it from the top level of the job folder.",
        ) from None
    except OSError as e:
        if e.errno == errno.ELOOP and path.is_symlink():
            raise InvalidNotebookError(
                f"The notebook is a symbolic link that loops back on itself (to "
                f"{shown(os.readlink(path))}): there is no notebook to run.", where,
                "Point the link at the notebook, or remove it from the top level of the job "
                "folder.") from None
        raise InvalidNotebookError(
            f"The notebook cannot be read: {e.strerror}.", where, "Check the file's permissions."
        ) from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidNotebookError(
            f"The notebook is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}.",
            where,
            _RESTORE,
        ) from None
    except ValueError as e:  # an integer of thousands of digits (sys.set_int_max_str_digits)
        raise InvalidNotebookError(
            f"The notebook's JSON cannot be read: {e}.", where, _RESTORE
        ) from None
    if is_certainly_valid_v4(nb):
        return nb
    return _read_with_nbformat(nb, where)


def needs_nbformat(path: pathlib.Path) -> bool:
    """Whether reading the notebook at `path` takes nbformat (an extra): format 3, or not
    certainly valid. For a deployment, which must install it then."""
    try:
        return not is_certainly_valid_v4(json.loads(read_file(path).decode("utf-8-sig")))
    except (OSError, ValueError, RecursionError):
        return False  # the reader's own error, not a missing extra


def read_file(path: pathlib.Path) -> bytes:
    """The bytes of the regular file at `path`. Opened without blocking and checked before
    reading, so a FIFO that replaced the file after the job folder was listed cannot hang the
    job, nor a device fill its memory."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "it is not a regular file")
    with open(fd, "rb") as file:
        return file.read()


def _size(path: pathlib.Path) -> str:
    try:
        return f"{os.stat(path).st_size:,} bytes"
    except OSError:
        return "size unknown"


def _read_with_nbformat(nb: Any, where: Location) -> dict[str, Any]:
    if not isinstance(nb, dict) or "nbformat" not in nb or "cells" not in nb and "worksheets" not in nb:
        raise InvalidNotebookError(
            "The file is JSON but not a Jupyter notebook (it has no 'nbformat' and 'cells').",
            where,
            _RESTORE,
        )
    try:
        # Only for old or unusual notebooks: it costs a large part of a small run, and it is an
        # extra, since every installed distribution costs every `vdk run` (see setup.py).
        import nbformat
    except ImportError as e:
        raise InvalidNotebookError(
            f"The notebook is not a current (format 4) notebook as Jupyter saves it, and "
            f"reading it needs nbformat, which cannot be imported ({e}). nbformat upgrades "
            "older formats (3) and says what is wrong with a malformed notebook.",
            where,
            f"Install nbformat with: {NBFORMAT_INSTALL} (for a deployed job, list "
            "vdk-jupyter[nbformat] in the job's requirements.txt), or open the notebook in "
            "Jupyter and save it again.",
        ) from None

    major = nb.get("nbformat")
    if not isinstance(major, int) or major < 3 or major > nbformat.current_nbformat:
        raise InvalidNotebookError(
            f"The notebook has format version {major!r}; vdk-jupyter reads versions 3 and 4.",
            where,
            "Open and save it with a current Jupyter, which converts it to version 4.",
        )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # As nbformat.read does: joins multi-line sources, which the v3 upgrade expects.
            node = nbformat.versions[major].to_notebook_json(nb)
            if major < nbformat.current_nbformat:
                node = nbformat.convert(node, nbformat.current_nbformat)
                log.info("%s uses notebook format %s; upgraded in memory.", where.notebook, major)
            file_ids = _cell_ids(node) if major == 4 else []
            nbformat.validate(node)  # also replaces missing and duplicate cell ids
        for warning in caught:
            log.debug("nbformat on %s: %s", where.notebook, warning.message)
    except nbformat.ValidationError as e:
        raise InvalidNotebookError(
            f"The notebook does not follow the Jupyter notebook format: {_short(e)}",
            where,
            _RESTORE,
        ) from None
    except Exception as e:  # noqa: BLE001 - nbformat's converters raise plain errors on malformed input
        raise InvalidNotebookError(
            f"The notebook cannot be converted to the current format: {e}", where, _RESTORE
        ) from None
    # Ids made up by the upgrade or by validation would send the user looking for a cell id
    # that is not in the file: messages name only the file's own (report.py makes them unique).
    for index, cell in enumerate(node["cells"]):
        cell_id = file_ids[index] if index < len(file_ids) else None
        if cell_id is None:
            cell.pop("id", None)
        else:
            cell["id"] = cell_id
    return node


def _cell_ids(node: Any) -> list[Any]:
    cells = node.get("cells") if isinstance(node, dict) else None
    if not isinstance(cells, list):
        return []
    return [cell.get("id") if isinstance(cell, dict) else None for cell in cells]


def _short(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error).splitlines()[0]
    path = list(getattr(error, "absolute_path", None) or getattr(error, "path", []) or [])
    where = "/".join(str(p) for p in path)
    return f"{message} (at {where})" if where else message
