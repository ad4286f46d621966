"""A time limit for one cell, enforced in this process.

Cells run in the job's own process, so a cell that hangs cannot be killed the way a kernel can.
The limit raises an exception inside the running cell instead:

- on POSIX, in the main thread (the normal case under `vdk run`), a SIGALRM timer: its handler
  runs between two Python bytecodes and also interrupts blocking calls such as `time.sleep`,
  `socket.recv` or `select`;
- elsewhere (Windows, or a notebook run from another thread), a timer thread that asks the
  interpreter to raise in the cell's thread (`PyThreadState_SetAsyncExc`), which happens at the
  next bytecode the cell runs and so cannot interrupt a blocking call.

Either way, a long call inside C code (a database driver waiting for its server, a large numpy
operation) is interrupted only when it returns to Python. `CellTimeout` derives from
BaseException, like KeyboardInterrupt, so `except Exception:` in a cell does not swallow it.
A cell that uses SIGALRM itself (signal.alarm) conflicts with the limit.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import ContextManager
from typing import Iterator
from typing import Optional


class CellTimeout(BaseException):
    """Raised inside a cell that ran longer than its limit."""

    def __init__(self, seconds: Optional[float] = None):
        # The thread fallback raises the bare class: the interpreter calls it without arguments.
        self.seconds = seconds
        limit = f" of {describe_seconds(seconds)}" if seconds else ""
        super().__init__(f"the cell ran longer than its time limit{limit}")


def describe_seconds(seconds: float) -> str:
    return f"{seconds:g} s"


def time_limit(seconds: Optional[float]) -> ContextManager[None]:
    """Raise CellTimeout in the body if it runs longer than `seconds` (None or 0: no limit)."""
    if not seconds or seconds <= 0:
        return _NO_LIMIT  # every cell of a run without a limit: no generator to set up
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _alarm(seconds)
    return _async_raise(seconds)


_NO_LIMIT = contextlib.nullcontext()


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def expired(signum, frame):
        raise CellTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _async_raise(seconds: float) -> Iterator[None]:
    thread_id = threading.get_ident()
    lock = threading.Lock()
    armed = [True]

    def expired() -> None:
        import ctypes  # only this fallback needs it: not imported by every run

        with lock:
            if armed[0]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread_id), ctypes.py_object(CellTimeout)
                )

    timer = threading.Timer(seconds, expired)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            armed[0] = False
        timer.cancel()
