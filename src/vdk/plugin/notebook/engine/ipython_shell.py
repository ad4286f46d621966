"""An IPython shell bound to a notebook's namespace, for cells that use magics or `!shell`.

Transformed cells call `get_ipython().run_line_magic(...)`; magics read and write the shell's
user namespace. Binding the shell to the notebook's own namespace makes `%time x = 1` define `x`
where the next cell looks for it, as in Jupyter. Imported only when a cell needs it.
"""
from __future__ import annotations

import atexit
import pathlib
import sys
from typing import Any
from typing import Callable


def bind_shell(namespace: dict[str, Any]) -> Any:
    """Create the shell that serves `namespace`, and make `get_ipython` visible to its cells."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from vdk.plugin.notebook.engine.shell_commands import piped_system

    config = Config()
    config.HistoryManager.enabled = False  # no history database in a production run
    config.HistoryManager.hist_file = ":memory:"  # what nbclient and papermill kernels report
    config.InteractiveShell.warn_venv = False
    config.InteractiveShell.colors = "nocolor"
    if InteractiveShell.initialized() and not getattr(InteractiveShell.instance(), "_vdk_owned", False):
        # Inside a real IPython (a kernel running `vdk run` in-process): leave its singleton alone.
        shell = InteractiveShell(user_ns=namespace, config=config)
    else:
        InteractiveShell.clear_instance()
        shell = InteractiveShell.instance(user_ns=namespace, config=config)
        shell._vdk_owned = True
    shell.system = piped_system(shell)  # `!cmd` without pexpect's 0.1 s sleep per command
    # IPython's exit handler resets every shell ever created with a full garbage collection
    # (a noticeable pause at the end of a job) and keeps each notebook's namespace alive until
    # then. Of its work only removing the temporary files some magics create matters here, and
    # release_shell does that when the notebook ends.
    atexit.unregister(shell.atexit_operations)
    shell.enable_gui = _no_event_loop  # `%matplotlib inline` asks for one; a job has none
    shell.enable_matplotlib = _inline_only(shell.enable_matplotlib)
    shell.set_hook("show_in_pager", _print_page)  # `obj?`: never start `less` in a job
    shell.vdk_shown_errors = []
    shell.vdk_shown_error = None  # set by capture.py while a cell's output is collected
    shell.showtraceback = _raising(shell, shell.showtraceback, shell.vdk_shown_errors)
    namespace["get_ipython"] = lambda: shell
    return shell


def release_shell(shell: Any) -> None:
    """Undo what bind_shell did to the process once the notebook has run: the temporary files
    of magics removed, and IPython's shell singleton cleared if this module created it."""
    from IPython.core.interactiveshell import InteractiveShell

    _remove_temporary_files(shell.tempfiles, shell.tempdirs)
    _reset_inline_backend(shell)
    if getattr(shell, "_vdk_owned", False) and InteractiveShell.initialized() and (
        InteractiveShell.instance() is shell
    ):
        InteractiveShell.clear_instance()


def _reset_inline_backend(shell: Any) -> None:
    """`%matplotlib inline` leaves state beyond the shell: matplotlib_inline's InlineBackend
    singleton (figure formats set with %config), a note that formats were chosen once (so the
    next notebook's shell would get none), and the rcParams it overrides. A new kernel starts
    without them; so does the next notebook, and a .py step after it keeps matplotlib's own."""
    backend = sys.modules.get("matplotlib_inline.backend_inline")
    if backend is None:
        return
    saved = getattr(shell, "_saved_rcParams", None)
    if saved:
        sys.modules["matplotlib"].rcParams.update(saved)
    if hasattr(backend.configure_inline_support, "current_backend"):
        del backend.configure_inline_support.current_backend
    backend.InlineBackend.clear_instance()


def _no_event_loop(gui: Any = None) -> None:
    if gui not in (None, "inline"):
        from IPython.core.error import UsageError

        raise UsageError(
            f"'{gui}' needs a desktop event loop, which a job does not have. Use "
            "%matplotlib inline: figures then appear in the executed notebook."
        )


def _print_page(self: Any, data: Any, start: int = 0, screen_lines: int = 0) -> None:
    """Help (`obj?`) and other paged text printed, as IPython prints it without a pager; a
    terminal pager would wait for a key nobody presses when a job runs from a terminal."""
    text = data.get("text/plain", "") if isinstance(data, dict) else str(data)
    print("\n".join(text.split("\n")[start:]))


def _inline_only(enable_matplotlib: Callable[..., Any]) -> Callable[..., Any]:
    """`%matplotlib notebook`, `widget`, `qt`...: interactive backends need a front end or a
    desktop; a job has neither, so figures are drawn inline instead (they end up in the report),
    with a warning, rather than failing a notebook that runs in Jupyter."""

    def enable(gui: Any = None) -> Any:
        if gui not in (None, "inline", "agg"):
            sys.stderr.write(
                f"[vdk-jupyter] %matplotlib {gui}: an interactive backend needs a front end, "
                "which a job run does not have; figures are drawn inline instead (they appear "
                "in the executed notebook).\n"
            )
            gui = "inline"
        return enable_matplotlib(gui)

    return enable


def _remove_temporary_files(files: list, folders: list) -> None:
    import shutil

    for path in files:
        pathlib.Path(path).unlink(missing_ok=True)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


# Errors IPython shows and carries on from in Jupyter too: a value that cannot be displayed, a
# failing event callback. They do not fail the cell there, and do not fail the job.
_SHOWN_ONLY = ("IPython.core.formatters", "IPython.core.events")


def _raising(shell: Any, show: Any, shown: list) -> Any:
    """Some magics give the code they run IPython's interactive behaviour: show the error and
    carry on (%%capture runs its body through `shell.run_cell`, %run its script; %time and %%time
    do so in IPython 8, the last release for Python 3.9). A job must fail instead. The error is
    raised where IPython would show it, so it leaves the magic through the cell's own line; where
    IPython swallows even that (run_cell returns from a `finally`), exec_in_shell raises it."""

    def showtraceback(exc_tuple: Any = None, *args: Any, **kwargs: Any) -> Any:
        error = (exc_tuple or sys.exc_info())[1]
        caller = sys._getframe(1).f_globals.get("__name__")
        if error is not None and caller in _SHOWN_ONLY and shell.vdk_shown_error is not None:
            return shell.vdk_shown_error(error)  # in the report and the log, once
        if error is None or caller in _SHOWN_ONLY:
            return show(exc_tuple, *args, **kwargs)
        shown.append(error)
        raise error

    return showtraceback


def exec_in_shell(
    shell: Any, code: Any, namespace: dict[str, Any], run: Callable[[Any, dict], None]
) -> None:
    """Run a transformed cell, failing on any error IPython showed instead of raising."""
    shown = shell.vdk_shown_errors
    del shown[:]
    shell.last_execution_result = None
    run(code, namespace)
    if shown:
        raise shown[0]
    result = shell.last_execution_result  # a syntax error in a cell %%capture ran, say
    if result is not None and not result.success:
        raise result.error_before_exec or result.error_in_exec
