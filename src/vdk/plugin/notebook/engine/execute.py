"""Running compiled cells top to bottom in one namespace, in this process.

The engine knows nothing of VDK: it gets a namespace (holding `job_input` or anything else), a
function that runs SQL, and listeners for cell events (the log, a report). It is shared by
`vdk run` and anything else that runs a notebook in-process.
"""
from __future__ import annotations

import contextlib
import os
import time
import traceback
from typing import Any
from typing import Callable
from typing import ContextManager
from typing import NamedTuple
from typing import Optional
from typing import Sequence

from vdk.plugin.notebook.engine.outcome import CellListener
from vdk.plugin.notebook.engine.outcome import CellResult
from vdk.plugin.notebook.engine.outcome import CellStatus
from vdk.plugin.notebook.engine.process_state import builtins_kept
from vdk.plugin.notebook.engine.process_state import cell_sources
from vdk.plugin.notebook.engine.runner import CellRunner
from vdk.plugin.notebook.engine.last_expression import RESULT_NAME
from vdk.plugin.notebook.engine.cells import first_line
from vdk.plugin.notebook.engine.compiler import CompiledCell
from vdk.plugin.notebook.engine.errors import CellFailedError
from vdk.plugin.notebook.engine.errors import error_text
from vdk.plugin.notebook.engine.history import History
from vdk.plugin.notebook.engine.ipython_syntax import choose_code
from vdk.plugin.notebook.engine.no_input import input_refused

# One no-op context manager for every cell that needs one (no output capture, no time limit),
# instead of a new one each time.
_NOTHING = contextlib.nullcontext()


def cell_status(
    cell: CompiledCell, error: Optional[BaseException], passthrough: tuple[type[BaseException], ...]
) -> CellStatus:
    if error is None:
        return CellStatus.OK
    if isinstance(error, passthrough):
        # A request to stop (skip_remaining_steps), even in a raises-exception cell.
        return CellStatus.STOPPED
    from vdk.plugin.notebook.engine.timeout import CellTimeout  # only for a cell that raised

    if isinstance(error, CellTimeout):
        return CellStatus.TIMED_OUT
    if isinstance(error, KeyboardInterrupt):
        return CellStatus.INTERRUPTED
    if cell.cell.may_raise and isinstance(error, Exception):
        return CellStatus.EXPECTED_ERROR
    return CellStatus.FAILED


class CellIO:
    """What happens to a cell's output while it runs. This default leaves stdout alone and
    drops the value of a cell's last expression, as a script would; capture.OutputCapture keeps
    both for the report."""

    def wants_shell(self, cell: CompiledCell) -> bool:
        return False

    def capturing(self, cell: CompiledCell, count: int, shell: Any) -> ContextManager[None]:
        return _NOTHING

    def show(self, value: Any) -> None:
        pass


class RunSummary(NamedTuple):
    cells_run: int
    seconds: float


def run_cells(
    notebook: str,
    cells: Sequence[CompiledCell],
    namespace: dict[str, Any],
    run_sql: Callable[[str], Any],
    listeners: Sequence[CellListener] = (),
    passthrough: tuple[type[BaseException], ...] = (),
    cell_io: CellIO = CellIO(),
    cell_timeout: Optional[float] = None,
) -> RunSummary:
    """Run `cells` in order. The first failure raises CellFailedError, except for cells tagged
    raises-exception. Exceptions of the `passthrough` types (a request to stop the job, say)
    propagate unchanged after listeners have heard of them. A cell running longer than
    `cell_timeout` seconds is stopped and fails."""
    started = time.perf_counter()
    run = CellRunner()
    shell: list[Any] = []  # the IPython shell, once a cell needs one
    try:
        with builtins_kept(), cell_sources(
            (cell.filename, cell.cell.source) for cell in cells
        ), input_refused():
            _run_all(
                notebook, cells, namespace, run_sql, listeners, passthrough, cell_io, cell_timeout,
                run, shell,
            )
    finally:
        run.close()
        if shell:
            from vdk.plugin.notebook.engine.ipython_shell import release_shell

            release_shell(shell[0])
    return RunSummary(len(cells), time.perf_counter() - started)


def _run_all(
    notebook: str,
    cells: Sequence[CompiledCell],
    namespace: dict[str, Any],
    run_sql: Callable[[str], Any],
    listeners: Sequence[CellListener],
    passthrough: tuple[type[BaseException], ...],
    cell_io: CellIO,
    cell_timeout: Optional[float],
    run: CellRunner,
    shells: list[Any],
) -> None:
    shell = None
    history = History(namespace)
    # timeout.py is imported only by a run with a time limit (none by default) or a failed cell.
    timed = bool(cell_timeout and cell_timeout > 0)  # as timeout.time_limit decides
    if timed:
        from vdk.plugin.notebook.engine.timeout import time_limit
    for count, cell in enumerate(cells, start=1):
        for listener in listeners:
            listener.cell_started(cell, count)
        cell_start = time.perf_counter()
        error: Optional[BaseException] = None
        try:
            history.cell_starting(count, cell.cell.source)
            code, needs_ipython, shows_result = choose_code(cell, namespace)
            if shell is None and code is not None and (
                needs_ipython or cell_io.wants_shell(cell)
            ):
                from vdk.plugin.notebook.engine.ipython_shell import bind_shell

                shell = bind_shell(namespace)
                shells.append(shell)
                history.publish()
            # Without a limit, the same no-op context manager for every cell, not a call of
            # time_limit() each time; the cell's code runs in this frame (no frame more in a
            # traceback that does not start at the cell's own frame: a failed SQL query).
            with cell_io.capturing(cell, count, shell), time_limit(
                cell_timeout, cell.filename if code is not None else None
            ) if timed else _NOTHING:
                value = None
                if code is None:
                    value = run_sql(cell.cell.body)
                elif needs_ipython:
                    from vdk.plugin.notebook.engine.ipython_shell import exec_in_shell

                    exec_in_shell(shell, code, namespace, run)
                else:
                    run(code, namespace)
                if shows_result:
                    value = namespace.pop(RESULT_NAME, None)
                if value is not None:
                    history.cell_result(count, value)
                    cell_io.show(value)
        except BaseException as e:  # noqa: BLE001 - every outcome of user code is reported
            error = e
        seconds = time.perf_counter() - cell_start
        status = CellStatus.OK if error is None else cell_status(cell, error, passthrough)
        result = CellResult(cell, count, seconds, error, status)
        for listener in listeners:
            listener.cell_finished(result)
        if status is CellStatus.OK or status.run_goes_on:
            continue
        if status in (CellStatus.STOPPED, CellStatus.INTERRUPTED):
            raise error  # type: ignore[misc]
        raise _cell_failure(notebook, cell, error, cell_timeout) from None


def _cell_failure(
    notebook: str, cell: CompiledCell, error: BaseException, limit: Optional[float] = None
) -> CellFailedError:
    from vdk.plugin.notebook.engine.timeout import CellTimeout
    from vdk.plugin.notebook.engine.timeout import describe_seconds

    line = _deepest_line(error, cell)
    if isinstance(error, CellTimeout):
        return CellFailedError(
            f"The cell ran longer than its time limit of {describe_seconds(limit or 0)} and was "
            "stopped.",
            cell.location(notebook, line if cell.code else cell.cell.body_first_line),
            "Make the cell faster, or raise the limit with NOTEBOOK_CELL_TIMEOUT (seconds; 0 "
            "means no limit) in the job's config.ini [vdk] section or as VDK_NOTEBOOK_CELL_TIMEOUT.",
            details=_cell_traceback(error, cell.filename),
            cause=error,
            full_traceback=_full_traceback(error, cell.filename),
        )
    if cell.code is None:
        line = cell.cell.body_first_line
        return CellFailedError(
            f"The SQL query of a %%vdksql cell failed: {type(error).__name__}: {error_text(error)}",
            cell.location(notebook, line),
            # The SQL runner's advice where it knows better (no database configured at all).
            getattr(error, "what_to_do", None)
            or "Fix the query (try it in Jupyter with %%vdksql) and run the job again.",
            cause=error,
            full_traceback=_full_traceback(error, cell.filename),
        )
    if isinstance(error, SystemExit):
        return CellFailedError(
            f"The cell called sys.exit({error.code!r}). A notebook step cannot end the job "
            "this way, whatever the exit code, because the cells and steps after it would "
            "silently not run.",
            cell.location(notebook, line),
            "To stop the remaining cells and steps successfully, call "
            "job_input.skip_remaining_steps(); to fail the job, raise an exception.",
            cause=error,
        )
    return CellFailedError(
        f"A notebook cell raised {type(error).__name__}: {error_text(error)}",
        cell.location(notebook, line),
        "Fix the cell, run the notebook top to bottom in Jupyter to check it, then run the "
        "job again. If the error is expected, tag the cell 'raises-exception'.",
        details=_cell_traceback(error, cell.filename),
        cause=error,
        full_traceback=_full_traceback(error, cell.filename),
    )


def _frames(error: BaseException):
    tb = error.__traceback__
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _deepest_line(error: BaseException, cell: CompiledCell) -> Optional[int]:
    filename = cell.filename
    frames = list(_frames(error))
    lines = [tb.tb_lineno for tb in frames if tb.tb_frame.f_code.co_filename == filename]
    magic_line = _cell_magic_line(cell)
    if magic_line is not None and (not lines or lines[-1] == magic_line):
        body_line = _cell_magic_body_line(error, frames, filename)
        if body_line is not None:
            return magic_line + body_line
    if lines:
        return lines[-1]
    if isinstance(error, SyntaxError) and error.filename == filename:
        return error.lineno
    return None


def _cell_magic_line(cell: CompiledCell) -> Optional[int]:
    """The line of a cell magic (`%%time`, `%%capture`) that runs the rest of the cell."""
    number, text = first_line(cell.cell.source)
    return number if text.lstrip().startswith("%%") else None


def _cell_magic_body_line(
    error: BaseException, frames: list, filename: str
) -> Optional[int]:
    """The failing line within a cell magic's body. IPython compiles the body under a made-up
    name (`<timed exec>`, `<ipython-input-...>`): the first such frame is the body, its deepest
    frame the line that failed."""
    made_up = [
        tb for tb in frames
        if tb.tb_frame.f_code.co_filename.startswith("<")
        and tb.tb_frame.f_code.co_filename != filename
    ]
    if made_up:
        body = made_up[0].tb_frame.f_code.co_filename
        return [tb.tb_lineno for tb in made_up if tb.tb_frame.f_code.co_filename == body][-1]
    if isinstance(error, SyntaxError) and (error.filename or "").startswith("<"):
        return error.lineno
    return None


def _cell_traceback(error: BaseException, filename: str) -> str:
    """The user's frames only (tracebacks.py). Cells run in their notebook's folder, the job's
    (vdk_run/step.py), where the job's own modules are."""
    from vdk.plugin.notebook.engine.tracebacks import user_traceback

    return user_traceback(error, filename, os.getcwd())


def _full_traceback(error: BaseException, filename: str) -> str:
    return "".join(traceback_entries(error, filename))


def traceback_entries(error: BaseException, filename: str) -> list[str]:
    """The traceback from the cell's own frame down: the engine's frames tell the user nothing.
    An error IPython caught and showed (in a %%capture body) has no frame of the cell, only the
    engine's and IPython's above the body's, which IPython compiled under a made-up name
    (`<ipython-input-...>`); a body that did not compile has not even that."""
    frames = list(_frames(error))
    start = next((tb for tb in frames if tb.tb_frame.f_code.co_filename == filename), None)
    if start is None:
        start = next((tb for tb in frames if tb.tb_frame.f_code.co_filename.startswith("<")), None)
    if start is None and isinstance(error, SyntaxError):
        return traceback.format_exception_only(type(error), error)
    return traceback.format_exception(type(error), error, start or error.__traceback__)
