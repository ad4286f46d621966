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
A bare `except:` (or `except BaseException:`) would, so once the limit has passed it keeps being
enforced until the cell ends: the timer fires again every REPEAT_SECONDS, and in the main thread
every line the cell's own code runs raises CellTimeout again (a trace function, set only on the
cell's frames and only after the limit has passed). It is raised only while the cell's code is
on the stack, never in the engine after the cell has ended.In the thread fallback only the repeated
raise applies (Python before 3.12 cannot trace another thread), so there a loop whose bare
`except:` catches every repeat can outlive the limit.
A cell that uses SIGALRM itself (signal.alarm) conflicts with the limit.
"""
from __future__ import annotations

import contextlib
import gc
import signal
import sys
import threading
import types
from typing import ContextManager
from typing import Iterator
from typing import Optional

REPEAT_SECONDS = 0.2


class CellTimeout(BaseException):
    """Raised inside a cell that ran longer than its limit."""

    def __init__(self, seconds: Optional[float] = None):
        # The thread fallback raises the bare class: the interpreter calls it without arguments.
        self.seconds = seconds
        limit = f" of {describe_seconds(seconds)}" if seconds else ""
        super().__init__(f"the cell ran longer than its time limit{limit}")


def describe_seconds(seconds: float) -> str:
    return f"{seconds:g} s"


def time_limit(seconds: Optional[float], cell_filename: Optional[str] = None
               ) -> ContextManager[None]:
    """Raise CellTimeout in the body if it runs longer than `seconds` (None or 0: no limit).
    `cell_filename`: the file name the cell's code is compiled under; with it, the limit is
    enforced again and again while code of that file runs (see the module's docstring), else
    CellTimeout is raised once (an SQL cell, whose code is the database driver's)."""
    if not seconds or seconds <= 0:
        return _NO_LIMIT  # every cell of a run without a limit: no generator to set up
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _alarm(seconds, cell_filename)
    return _async_raise(seconds, cell_filename)


_NO_LIMIT = contextlib.nullcontext()


def _in_cell(frame: Optional[types.FrameType], cell_filename: Optional[str]) -> bool:
    """Whether the cell's code is running: one of its frames is on the stack from `frame` down."""
    if cell_filename is None:
        return True
    while frame is not None:
        if frame.f_code.co_filename == cell_filename:
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def _alarm(seconds: float, cell_filename: Optional[str]) -> Iterator[None]:
    saved_trace = sys.gettrace()
    traced = [False]

    def raise_again(frame, event, arg):
        if frame.f_code.co_filename != cell_filename:
            return None  # not the cell's code: left alone, and its lines are not traced
        if event in ("call", "line"):
            raise CellTimeout(seconds)
        return raise_again

    def expired(signum, frame):
        if not _in_cell(frame, cell_filename):
            return  # the cell has ended; the engine is about to stop the timer
        if cell_filename is not None and not traced[0]:
            traced[0] = True
            sys.settrace(raise_again)
            cell_frame = frame
            while cell_frame is not None:
                if cell_frame.f_code.co_filename == cell_filename:
                    cell_frame.f_trace = raise_again
                cell_frame = cell_frame.f_back
        raise CellTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    try:
        repeat = REPEAT_SECONDS if cell_filename is not None else 0
        signal.setitimer(signal.ITIMER_REAL, seconds, repeat)
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)
            if traced[0]:
                sys.settrace(saved_trace)


def _frame_of(thread_id: int) -> Optional[types.FrameType]:
    """The thread's current frame. A garbage collection started inside sys._current_frames()
    can deadlock the process before Python 3.12 (CPython gh-106883: it holds the runtime's
    thread-list lock while a finalizer may need it; seen here, the suite hung), so collection
    waits until the frames are taken, as CPython's own fix does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return sys._current_frames().get(thread_id)
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _async_raise(seconds: float, cell_filename: Optional[str]) -> Iterator[None]:
    thread_id = threading.get_ident()
    lock = threading.Lock()
    ended = threading.Event()

    def expired() -> None:
        import ctypes  # only this fallback needs it: not imported by every run

        while True:
            with lock:
                if ended.is_set():
                    return
                if _in_cell(_frame_of(thread_id), cell_filename):
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(thread_id), ctypes.py_object(CellTimeout)
                    )
            if cell_filename is None or ended.wait(REPEAT_SECONDS):
                return

    timer = threading.Timer(seconds, expired)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            ended.set()
        timer.cancel()
