"""The executed notebook: what each cell showed, when it ran, how long it took, where it failed.

This is what papermill's output notebook gives, without a kernel: after each notebook step the
notebook is written again with the outputs of the run (see capture.py), execution counts in run
order and per-cell timing and status in `metadata.vdk` (and nbclient's `metadata.execution`
timestamps, which JupyterLab's execute-time display reads). On failure a banner at the top links
to the first failing cell, and the cells after it are marked as not run.

Reports go to one folder per run, `<directory>/<job>/<UTC start time>/`, so runs sort by time and
never overwrite each other (report_folder.py: by default a per-user folder under VDK's
TEMPORARY_WRITE_DIRECTORY, never the job folder, which `vdk deploy` uploads whole). A file appears
only whole: it is written unnamed (O_TMPFILE) and then linked in, so a run killed while writing
leaves nothing behind; where that is not available, to a hidden temporary name then renamed.
"""
from __future__ import annotations

import contextlib
import html
import json
import logging
import math
import os
import pathlib
import time
from typing import IO
from typing import Any
from typing import NamedTuple
from typing import Optional
from typing import Union

from vdk.plugin.notebook.engine.capture import OutputCapture
from vdk.plugin.notebook.engine.cells import LEFT_OUT_NOTES
from vdk.plugin.notebook.engine.cells import cell_label
from vdk.plugin.notebook.engine.cells import code_cell_indices
from vdk.plugin.notebook.engine.cells import decide_cells
from vdk.plugin.notebook.engine.compiler import CompiledCell
from vdk.plugin.notebook.engine.execute import traceback_entries
from vdk.plugin.notebook.engine.outcome import CellListener
from vdk.plugin.notebook.engine.outcome import CellResult
from vdk.plugin.notebook.engine.outcome import CellStatus
from vdk.plugin.notebook.engine.errors import error_text
from vdk.plugin.notebook.engine.errors import shown
from vdk.plugin.notebook.engine.prepare import PreparedNotebook
from vdk.plugin.notebook.engine.prepare import blank_cell
from vdk.plugin.notebook.engine.report_folder import ReportFolder


log = logging.getLogger(__name__)

FAILED_CELL_ANCHOR = "vdk-failed-cell"


class ReportOptions(NamedTuple):
    folder: ReportFolder  # this run's folder; created when the first report is written
    output_limit: int  # characters of output kept per cell
    html: bool


class NotebookReport(CellListener):
    """Listens to one notebook run and writes the executed notebook when it ends."""

    def __init__(
        self,
        notebook: PreparedNotebook,
        options: ReportOptions,
        job_name: str = "",
    ):
        self._notebook = notebook
        self._options = options
        self._job_name = job_name
        self._cells = [_fresh_copy(cell) for cell in notebook.skeleton["cells"]]
        # code cell number -> index in self._cells (which an injected cell shifts)
        self._by_number = dict(enumerate(code_cell_indices(self._cells), start=1))
        self._injected_index = 0
        for compiled in notebook.cells:
            if compiled.cell.injected:
                self._insert_injected(compiled)
        # id of each CompiledCell of the run -> its index in self._cells, looked up twice per
        # cell (the outputs, the outcome) instead of working it out each time.
        self._index_of = {id(compiled): self._position(compiled) for compiled in notebook.cells}
        self._selected = set(self._index_of.values())
        self._ran: set[int] = set()
        self._started_at: dict[int, float] = {}
        self._failure: Optional[tuple[int, CompiledCell, CellStatus, BaseException]] = None
        self._stopped = False
        self._broke: Optional[BaseException] = None
        self.run_started = time.time()
        self.io = OutputCapture(self._outputs, options.output_limit)

    def _insert_injected(self, compiled: CompiledCell) -> None:
        after = self._by_number.get(compiled.cell.number)
        position = 0 if after is None else after + 1
        self._cells.insert(position, blank_cell({
            "cell_type": "code", "id": compiled.cell.cell_id, "source": compiled.cell.source,
            "metadata": {"tags": sorted(compiled.cell.tags)},
        }))
        self._by_number = {n: i + (i >= position) for n, i in self._by_number.items()}
        self._injected_index = position

    def _position(self, compiled: CompiledCell) -> int:
        if compiled.cell.injected:
            return self._injected_index
        return self._by_number[compiled.cell.number]

    def _index(self, compiled: CompiledCell) -> int:
        """Where `compiled` is in self._cells: found by the object for the notebook's own cells."""
        index = self._index_of.get(id(compiled))
        return self._position(compiled) if index is None else index

    def cell_started(self, cell: CompiledCell, count: int) -> None:
        self._started_at[count] = time.time()

    def _outputs(self, cell: CompiledCell, outputs: list) -> None:
        self._cells[self._index(cell)]["outputs"] = outputs

    def cell_finished(self, result: CellResult) -> None:
        cell, count, seconds, error, status = result
        index = self._index(cell)
        target = self._cells[index]
        target["execution_count"] = count
        if error is not None:  # else the status is OK: no failure, not stopped
            if status is not CellStatus.STOPPED:
                target["outputs"].append(_error_output(error, cell.filename))
            if status.is_failure and self._failure is None:
                self._failure = (index, cell, status, error)
            self._stopped = self._stopped or status is CellStatus.STOPPED
        started = self._started_at.pop(count, None)
        if started is None:
            started = time.time() - seconds
        start, end = _iso(started), _iso(started + seconds)
        metadata = target["metadata"]
        metadata["vdk"] = {
            "status": status.value, "duration": round(seconds, 6), "start": start, "end": end,
        }
        metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
        self._ran.add(index)

    def run_broke(self, error: BaseException) -> None:
        """The run ended with `error` raised outside any cell (the job's log stream closed by a
        cell, say): the report must not say the run succeeded. Cell outcomes are told through
        cell_finished; an interruption or a failure already recorded there stays the outcome."""
        if self._failure is None and not isinstance(error, KeyboardInterrupt):
            self._broke = error

    def executed(self) -> dict[str, Any]:
        """The executed notebook as it stands (the run may have ended early)."""
        cells = list(self._cells)
        left_out = {index: number for number, index in self._by_number.items()
                    if index not in self._selected}
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "code" and index not in self._ran:
                status = "not-run" if index in self._selected else "left-out"
                cell["metadata"]["vdk"] = {"status": status}
        if left_out:  # why, as vdk run decided it (decide_cells): only where a cell was left out
            decisions = decide_cells(self._notebook.skeleton)
            for index, number in left_out.items():
                cells[index]["outputs"] = [_left_out_note(decisions[number - 1].reason)]
        if self._failure is not None:
            index, failed, status, error = self._failure
            cells.insert(index, _marker_cell(status))
            cells.insert(0, _banner_cell(failed, status, error, self._notebook.label))
        if self._broke is not None:
            cells.insert(0, _broken_run_cell(self._broke, self._notebook.label))
        _ensure_ids(cells)
        outcome = ("failed" if self._failure or self._broke else "stopped" if self._stopped
                   else "succeeded")
        metadata = dict(self._notebook.skeleton["metadata"])
        metadata["vdk"] = {
            "notebook": str(self._notebook.path), "job": self._job_name, "status": outcome,
            "start": _iso(self.run_started), "end": _iso(time.time()),
            "cells_run": len(self._ran), "cells_selected": len(self._selected),
        }
        return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}

    def save(self) -> Optional[str]:
        """Write the report and log where (returned); a report that cannot be written is logged,
        never raised, so it cannot hide the outcome of the job itself."""
        folder, name = self._options.folder, self._notebook.name
        folder_fd = None
        try:
            text = to_json(self.executed())
            folder_fd = folder.open()
            write_in(folder_fd, name, text)
            path = folder.path / name
            log.info("%s: executed notebook with outputs written to %s", self._notebook.label,
                     shown(path))
            if self._options.html:
                _write_html(text, folder_fd, path.with_suffix(".html"))
            return str(path)
        except Exception as e:  # noqa: BLE001 - see docstring
            log.error("%s: the executed notebook could not be written to %s: %s",
                      self._notebook.label, shown(folder.path or folder.job_folder), e)
            return None
        finally:
            if folder_fd is not None:
                os.close(folder_fd)


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def to_json(nb: dict[str, Any]) -> str:
    """The notebook as JSON, one cell per line: json's C encoder only serves unindented output,
    and an indented 1,000-cell report costs several times more to write."""
    dump = _ENCODER.encode
    cells = ",\n  ".join(map(dump, nb["cells"]))
    rest = ",\n ".join(f"{dump(key)}: {dump(value)}" for key, value in nb.items() if key != "cells")
    return f'{{\n "cells": [\n  {cells}\n ],\n {rest}\n}}\n'


def write_atomically(path: pathlib.Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folder_fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        write_in(folder_fd, path.name, text)
    finally:
        os.close(folder_fd)


def write_in(folder_fd: int, name: str, text: Union[str, bytes]) -> None:
    """Write `text` as file `name` of the open folder `folder_fd`, appearing only when whole."""
    try:
        fd = os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o600, dir_fd=folder_fd)
    except (AttributeError, OSError):  # not Linux, or a file system without unnamed files
        _write_renaming(folder_fd, name, text)
        return
    try:
        with _file(fd, text, closefd=False) as file:  # the descriptor is linked in below
            file.write(text)
        try:
            os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder_fd, follow_symlinks=True)
        except FileExistsError:  # written before in this run: replaced via a (whole) temporary
            temporary = f".{name}.{os.getpid()}.tmp"
            os.link(f"/proc/self/fd/{fd}", temporary, dst_dir_fd=folder_fd, follow_symlinks=True)
            os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    finally:
        os.close(fd)


def _file(fd: int, text: Union[str, bytes], closefd: bool = True) -> IO[Any]:
    if isinstance(text, bytes):
        return open(fd, "wb", closefd=closefd)
    return open(fd, "w", encoding="utf-8", closefd=closefd)


def _write_renaming(folder_fd: int, name: str, text: Union[str, bytes]) -> None:
    temporary = f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=folder_fd)
    try:
        with _file(fd, text) as file:
            file.write(text)
        os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder_fd)
        raise


def _write_html(notebook_json: str, folder_fd: int, path: pathlib.Path) -> None:
    try:
        import nbformat
        from nbconvert import HTMLExporter
    except ImportError:
        log.warning(
            "NOTEBOOK_REPORT_HTML is set but nbconvert is not installed, so no HTML report was "
            "written. Install it with: pip install 'vdk-jupyter[html]'"
        )
        return
    try:
        body, _ = HTMLExporter().from_notebook_node(nbformat.reads(notebook_json, as_version=4))
        write_in(folder_fd, path.name, body)
    except Exception as e:  # noqa: BLE001 - the .ipynb report exists; HTML is a convenience
        log.error("The HTML report could not be written to %s: %s", shown(path), e)
        return
    log.info("HTML report written to %s", shown(path))


def _fresh_copy(cell: dict[str, Any]) -> dict[str, Any]:
    """A copy of a skeleton cell (already blank: prepare.blank_cell) that the run may change
    (outputs, metadata) without changing the skeleton; cheaper than blank_cell again."""
    cell = cell.copy()
    cell["metadata"] = cell["metadata"].copy()
    if "outputs" in cell:
        cell["outputs"] = []
    return cell


def _error_output(error: BaseException, filename: str) -> dict[str, Any]:
    """The error as Jupyter shows it, through the user's own frames only (the banner holds the
    full traceback, collapsed). Cells run in their notebook's folder, the job's."""
    from vdk.plugin.notebook.engine.tracebacks import user_traceback

    text = user_traceback(error, filename, os.getcwd())
    return {"output_type": "error", "ename": type(error).__name__, "evalue": error_text(error),
            "traceback": text.rstrip("\n").split("\n")}


def _left_out_note(reason: Optional[str]) -> dict[str, Any]:
    """A visible note in a cell vdk run left out, saying why (`reason`: cells.decide_cells'):
    in Jupyter an output-less cell looks like one that never ran."""
    text = f"[vdk run] This cell was left out by vdk run ({LEFT_OUT_NOTES[reason or 'empty']})."
    return {"output_type": "display_data", "metadata": {}, "data": {
        "text/plain": text,
        "text/html": f'<span style="color:#616161;font-style:italic">{text}</span>',
    }}


_STATUS_TEXT = {
    CellStatus.FAILED: "failed",
    CellStatus.TIMED_OUT: "stopped: time limit exceeded",
    CellStatus.INTERRUPTED: "interrupted",
}


def _banner_cell(
    cell: CompiledCell, status: CellStatus, error: BaseException, notebook: str
) -> dict:
    where = cell_label(cell.cell.number, cell.cell.cell_id)
    what = f"{type(error).__name__}: {error_text(error)}".replace("<", "&lt;")
    # The cell's output shows the user's frames; every frame is here, one click away.
    # No blank line: it would end the markdown cell's HTML block.
    full = "\n".join(html.escape(line) or "&nbsp;" for line in
                     "".join(traceback_entries(error, cell.filename)).rstrip().split("\n"))
    text = (
        f'<div style="border:2px solid #c62828;background:#ffebee;color:#b71c1c;padding:8px">\n'
        f"<b>vdk run {_STATUS_TEXT[status]}</b> at "
        f'<a href="#{FAILED_CELL_ANCHOR}">{where}</a> of {notebook}:<br>\n'
        f"<code>{what}</code><br>\nThe cells after it did not run.\n"
        f"<details><summary>Full traceback</summary><pre>{full}</pre></details>\n</div>"
    )
    return {"cell_type": "markdown", "id": "vdk-failure-banner",
            "metadata": {"tags": ["vdk-failure-banner"]}, "source": text}


def _broken_run_cell(error: BaseException, notebook: str) -> dict[str, Any]:
    what = f"{type(error).__name__}: {error_text(error)}".replace("<", "&lt;")
    text = (f'<div style="border:2px solid #c62828;background:#ffebee;color:#b71c1c;padding:8px">'
            f"<b>vdk run failed</b> between cells of {notebook}, outside the cells' code:<br>\n"
            f"<code>{what}</code><br>\nThe job log says more. The cells after the last one "
            "that ran did not run.\n</div>")
    return {"cell_type": "markdown", "id": "vdk-failure-banner",
            "metadata": {"tags": ["vdk-failure-banner"]}, "source": text}


def _marker_cell(status: CellStatus) -> dict[str, Any]:
    text = (f'<span id="{FAILED_CELL_ANCHOR}" style="color:#b71c1c;font-weight:bold">'
            f"vdk run {_STATUS_TEXT[status]} in the next cell:</span>")
    return {"cell_type": "markdown", "id": FAILED_CELL_ANCHOR,
            "metadata": {"tags": ["vdk-failed-cell"]}, "source": text}


def _ensure_ids(cells: list[dict[str, Any]]) -> None:
    """nbformat 4.5 needs a unique id on every cell; older notebooks have none."""
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen:
            cell_id = f"vdk-cell-{index}"
            while cell_id in seen:
                cell_id += "-"
            cell["id"] = cell_id
        seen.add(cell_id)


# perf: formatted by hand, a third of datetime's isoformat (see docs/performance.md: over 1% of
# the 614-cell workload, two per cell). The date and time to the second of the last timestamp
# written: cells of one second share it.
_last_second: tuple[Optional[float], str] = (None, "")


def _iso(timestamp: float) -> str:
    """`timestamp` in ISO 8601, UTC, to the microsecond (`2026-11-25T10:00:00.123456Z`), exactly as
    datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="microseconds") with `Z`
    writes it (tests/test_report_times.py compares them), at a third of its cost: the
    microseconds are rounded as datetime rounds them (half to even; CPython's
    _PyTime_DoubleToDenominator), and the rest is formatted once a second."""
    global _last_second
    fraction, whole = math.modf(timestamp)
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        micro -= 1_000_000
        whole += 1.0
    elif micro < 0:
        micro += 1_000_000
        whole -= 1.0
    second, text = _last_second
    if second != whole:
        moment = time.gmtime(whole)
        text = (f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}T"
                f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}")
        _last_second = (whole, text)
    return f"{text}.{micro:06d}Z"
