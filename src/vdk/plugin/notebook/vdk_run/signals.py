"""SIGTERM during a notebook step is handled as Ctrl-C is.

Kubernetes stops a pod, and a service manager a job, with SIGTERM. Python's default for it ends
the process at once: rows already sent for ingestion are lost and no executed notebook is written.
Ctrl-C (SIGINT) instead raises KeyboardInterrupt in the running cell, so the cell is marked
interrupted in the report, vdk-core finalises the job (ingestion is flushed) and the run fails.
While a notebook step runs, SIGTERM raises `Terminated`, a KeyboardInterrupt, to the same end.
Only in the main thread, where Python lets a handler be set (vdk run runs steps there).
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any
from typing import Iterator

from vdk.plugin.notebook.engine.process_state import signal_handler


class Terminated(KeyboardInterrupt):
    """The job was asked to stop (SIGTERM) while a notebook cell ran."""

    def __init__(self) -> None:
        super().__init__("the job was stopped with SIGTERM while the cell ran")


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated where the code is, as SIGINT raises
    KeyboardInterrupt; the previous handler is back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with signal_handler(signal.SIGTERM, _terminate):
        yield
