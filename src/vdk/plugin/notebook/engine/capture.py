"""What a cell shows, captured the way Jupyter shows it, while it still reaches the job log.

A scheduled job has no notebook front end: what a cell prints goes to the job log. The report
needs the same output as Jupyter would keep it, so each cell's stdout and stderr are teed (written
through to the log as they are written, and kept), rich display output is collected from IPython's
display publisher, open matplotlib figures are rendered as PNG at the end of the cell (what
Jupyter's inline backend does), and the value of the last expression becomes an execute_result.
What is kept per cell is capped, so a cell printing in a loop cannot exhaust memory; the log
still gets everything.

Plain-Python cells stay plain: IPython is only used from the first cell that uses it (magics,
`display(...)` or `IPython` in its source) on. `display()` called where no shell is bound yet
(say, inside a helper module) prints its arguments, as IPython itself does outside a kernel.
"""
from __future__ import annotations

import base64
import io
import json
import re
import sys
import time
from typing import Any
from typing import Callable
from typing import Optional

from vdk.plugin.notebook.engine.process_state import swapped_streams

# A job's stdout is usually a pipe, block-buffered: without flushing, a cell's prints reach the
# log in 8 kB lumps, long after they happen. Flushed at the end of each cell and, within a long
# cell, at a line end at most this often.
FLUSH_SECONDS = 0.2
_USES_DISPLAY = r"\bdisplay\s*\(|\bIPython\b"

def display(*objs: Any, **kwargs: Any) -> Any:
    """Jupyter's `display`, which notebooks call without importing it; IPython loads on use."""
    try:
        from IPython.display import display as ipython_display
    except ImportError as e:  # an optional dependency: see ipython_syntax.TO_DO
        from vdk.plugin.notebook.engine.ipython_syntax import TO_DO

        raise ModuleNotFoundError(
            f"display() is IPython's, and IPython cannot be imported ({e}). {TO_DO}",
            name="IPython",
        ) from None

    return ipython_display(*objs, **kwargs)


class CellOutputs:
    """The outputs one cell produced, in nbformat 4 form, within a budget of characters."""

    def __init__(self, limit: int, displayed: Optional[dict[str, list[dict]]] = None):
        self.outputs: list[dict[str, Any]] = []
        self.limit = limit
        self.kept = 0
        self.dropped = 0
        # display_id -> the outputs shown under it, in this cell and the cells before: an
        # update redraws them wherever they are, as in Jupyter.
        self._displayed: dict[str, list[dict]] = {} if displayed is None else displayed
        self._clear_pending = False

    def stream(self, name: str, text: str) -> None:
        self._clear_if_pending()
        room = self.limit - self.kept
        if len(text) > room:
            self.dropped += len(text) - room
            text = text[:room]
        if not text:
            return
        self.kept += len(text)
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"].append(text)
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": [text]})

    def rich(
        self, kind: str, data: dict[str, Any], metadata: dict[str, Any], count: int,
        display_id: Optional[str] = None, update: bool = False,
    ) -> None:
        data, metadata = _json_bundle(data), _json_ready(metadata) or {}
        if not data:
            return
        if update:
            self._update(display_id, data, metadata)
            return
        self._clear_if_pending()
        size = _size(data)
        if self.kept + size > self.limit:
            self.dropped += size
            return
        self.kept += size
        output: dict[str, Any] = {"output_type": kind, "data": data, "metadata": metadata}
        if kind == "execute_result":
            output["execution_count"] = count
        if display_id is not None:
            self._displayed.setdefault(display_id, []).append(output)
        self.outputs.append(output)

    def error(self, error: BaseException) -> None:
        """An error Jupyter shows and goes on from (a display method that raised)."""
        self._clear_if_pending()
        from vdk.plugin.notebook.engine.display_values import error_output

        self.outputs.append(error_output(error))

    def _update(self, display_id: Optional[str], data: dict[str, Any], metadata: dict) -> None:
        """A display handle's update(): Jupyter redraws the outputs shown under that id in
        place, in this cell or an earlier one (none, if there are none), instead of adding one."""
        for output in self._displayed.get(display_id, ()):
            if any(output is own for own in self.outputs):
                kept = self.kept - _size(output["data"]) + _size(data)
                if kept > self.limit:
                    self.dropped += _size(data)
                    continue
                self.kept = kept
            output["data"], output["metadata"] = data, metadata

    def clear(self, wait: bool = False) -> None:
        """clear_output(): what was cleared no longer counts against the budget, so a progress
        loop that clears and prints keeps its last output, as Jupyter shows it. With wait=True
        Jupyter clears only when the next output arrives: a trailing one clears nothing."""
        if wait:
            self._clear_pending = True
            return
        self._clear_pending = False
        for display_id, shown in list(self._displayed.items()):
            self._displayed[display_id] = [o for o in shown if all(o is not c for c in self.outputs)]
        self.outputs.clear()
        self.kept = self.dropped = 0

    def _clear_if_pending(self) -> None:
        if self._clear_pending:
            self.clear()

    def finish(self) -> list[dict[str, Any]]:
        if self.dropped:
            self.outputs.append({
                "output_type": "stream", "name": "stderr", "text": [
                    f"\n[vdk-jupyter] Output truncated: {self.dropped:,} more characters were "
                    f"produced after the first {self.limit:,}; the job log has all of it. "
                    "Raise NOTEBOOK_REPORT_OUTPUT_LIMIT to keep more.\n"
                ],
            })
        for output in self.outputs:
            if output["output_type"] == "stream":
                output["text"] = "".join(output["text"])
        return self.outputs


class _Tee:
    """sys.stdout or sys.stderr during a cell: writes through to the original, keeps a copy.
    Not an io.TextIOBase: its finaliser would close and flush on every cell; anything else a
    stream has comes from the original."""

    def __init__(self, original: Any, name: str, outputs: CellOutputs, now: float):
        self._original = original
        self._name = name
        self._outputs = outputs
        self._flushed = now  # time.monotonic() as the cell starts: both tees' from one call
        self.closed = False

    def close(self) -> None:
        """`sys.stderr.close()` in a cell closes the cell's stream, as in Jupyter, where it
        closes the kernel's stream object and not the process's file: writing to it then
        raises ValueError in the cell. The job's own stream, which its log goes to, stays open."""
        if not self.closed:
            _flush(self._original)
        self.closed = True

    def write(self, text: str) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        self._original.write(text)
        self._outputs.stream(self._name, text)
        if "\n" in text and time.monotonic() - self._flushed > FLUSH_SECONDS:
            self.flush()
        return len(text)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self._flushed = time.monotonic()
        self._original.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._original.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class _Publisher:
    """Stands in for IPython's display publisher during a cell (display(), plt.show())."""

    # IPython 9's run_cell (%%capture bodies) reads it to tell display output from prints.
    is_publishing = False

    def __init__(self, running: "_Running"):
        self._running = running

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        display_id = (transient or {}).get("display_id")
        self._running.add("display_data", data, metadata, display_id, update)

    def clear_output(self, wait: bool = False) -> None:
        self._running.outputs.clear(wait)


class _Running:
    """The capture of one running cell (a context manager around it): tees stdout and stderr,
    stands in for the shell's display publisher, renders figures and delivers at the end."""

    def __init__(self, capture: "OutputCapture", cell: Any, count: int, shell: Any):
        self.capture = capture
        self.cell = cell
        self.outputs = CellOutputs(capture.limit, capture.displayed)
        self.shell = shell
        self.count = count

    def __enter__(self) -> None:
        self.capture.running = self
        self.log = self.stdout = stdout = sys.stdout
        self.stderr = stderr = sys.stderr
        if self.shell is not None:
            self.saved_publisher = self.shell.display_pub
            self.publisher = self.shell.display_pub = _Publisher(self)
            self.shell.vdk_shown_error = self.shown_error
        now = time.monotonic()
        self.streams = swapped_streams(
            _Tee(stdout, "stdout", self.outputs, now), _Tee(stderr, "stderr", self.outputs, now)
        )
        self.streams.__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if "matplotlib.pyplot" in sys.modules:  # else no figure to render: no call
                _flush_figures(self)
        finally:
            self.streams.__exit__(None, None, None)
            _flush(self.stdout, self.stderr)
            shell = self.shell
            if shell is not None:
                if shell.display_pub is self.publisher:
                    shell.display_pub = self.saved_publisher
                shell.vdk_shown_error = None
            self.capture.running = None
            self.capture.deliver(self.cell, self.outputs.finish())

    def shown_error(self, error: BaseException) -> None:
        """An error Jupyter shows without failing the cell (a display method that raised):
        its traceback in the report and on the log's stderr, once."""
        from vdk.plugin.notebook.engine.display_values import shown_traceback

        self.stderr.write("".join(shown_traceback(error)))
        self.outputs.error(error)

    def add(
        self, kind: str, data: Any, metadata: Any, display_id: Optional[str] = None,
        update: bool = False,
    ) -> None:
        text = data.get("text/plain") if isinstance(data, dict) else None
        if isinstance(text, str) and text:
            self.log.write(text + "\n")  # the log sees what a terminal IPython would print
        self.outputs.rich(kind, data, metadata or {}, self.count, display_id, update)


class OutputCapture:
    """The engine's CellIO for a run with a report: captures every cell of one notebook and
    hands each cell's outputs to `deliver` when the cell ends."""

    def __init__(self, deliver: Callable[[Any, list], None], limit: int):
        self.deliver = deliver
        self.limit = limit
        self.running: Optional[_Running] = None
        self.displayed: dict[str, list[dict]] = {}  # display_id -> outputs, across cells

    def wants_shell(self, cell: Any) -> bool:
        # Without IPython, values are shown through their _repr_*_ methods (format_value).
        source = cell.cell.source
        if not (("display" in source or "IPython" in source) and re.search(_USES_DISPLAY, source)):
            return False
        # Only for a cell that displays: plain-Python runs do not import the module.
        from vdk.plugin.notebook.engine.ipython_syntax import ipython_installed

        return ipython_installed()

    def capturing(self, cell: Any, count: int, shell: Any) -> _Running:
        return _Running(self, cell, count, shell)

    def show(self, value: Any) -> None:
        """The value of the cell's last expression: an execute_result, as Jupyter's Out[n]."""
        running = self.running
        if running is None:
            return
        try:
            if running.shell is not None:
                data, metadata = running.shell.display_formatter.format(value)
            else:
                from vdk.plugin.notebook.engine.display_values import format_value

                data, metadata = format_value(value, running.shown_error)
        except Exception as e:  # noqa: BLE001 - as in Jupyter, a broken repr does not fail the cell
            sys.stderr.write(f"[vdk-jupyter] The value of the cell's last expression cannot be "
                             f"shown: {type(e).__name__}: {e}\n")
            return
        running.add("execute_result", data, metadata)


def _flush(*streams: Any) -> None:
    for stream in streams:
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken log stream must not fail the cell
            pass


def _flush_figures(running: _Running) -> None:
    """Open matplotlib figures become PNG outputs and are closed, as Jupyter's inline backend
    does at the end of every cell."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        if _shown_as_configured(running, figure):
            pyplot.close(figure)
            continue
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="png", bbox_inches="tight")
        except Exception as e:  # noqa: BLE001 - a figure that cannot render must not hide the cell
            sys.stderr.write(f"[vdk-jupyter] Figure {number} could not be rendered: {e}\n")
        else:
            running.add("display_data", {"image/png": buffer.getvalue(), "text/plain": repr(figure)}, {})
        pyplot.close(figure)


def _shown_as_configured(running: _Running, figure: Any) -> bool:
    """After `%matplotlib inline`, IPython formats figures as `%config InlineBackend.figure_formats`
    says (svg, retina, ...), as Jupyter's inline backend does: shown that way if it can."""
    if running.shell is None or "matplotlib_inline.backend_inline" not in sys.modules:
        return False
    try:
        data, metadata = running.shell.display_formatter.format(figure)
    except Exception:  # noqa: BLE001 - drawn as PNG below instead
        return False
    if not any(mime.startswith("image/") or mime == "application/pdf" for mime in data):
        return False
    running.add("display_data", data, metadata)
    return True


def _size(data: dict[str, Any]) -> int:
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())


def _json_bundle(data: Any) -> dict[str, Any]:
    """Mime data as the notebook stores it: images base64, JSON types only."""
    if not isinstance(data, dict):
        return {}
    bundle = {}
    for mime, value in data.items():
        if isinstance(value, (bytes, bytearray)):
            value = base64.b64encode(value).decode("ascii")
        elif not isinstance(value, str):
            value = _json_ready(value)
            if value is None:
                continue
        bundle[str(mime)] = value
    return bundle


def _json_ready(value: Any) -> Any:
    if isinstance(value, str):
        return value
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value
