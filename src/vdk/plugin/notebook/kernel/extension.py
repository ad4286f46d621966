"""The IPython extension: in Jupyter, a notebook gets the `job_input` that `vdk run` gives it.

`%load_ext vdk.plugin.notebook` (or the "VDK" kernel, which loads it at start) defines:
- `job_input` for the job whose folder is the kernel's working directory, started on first use;
- `%vdk` to show or re-point that job (folder, arguments), start afresh, or finalise it;
- `%%vdksql` to run a cell as SQL on the job's connection and show the result as a table;
- `%%non-vdk` to mark a cell that Jupyter runs and `vdk run` leaves out.
Rows sent for ingestion are flushed at the end of the cell that sent them (the job is finalised
and starts again on next use), so a kernel shut down or restarted right after loses nothing
however many rows there were; the job is also finalised when the kernel exits.

Under `vdk run` the notebook's namespace already holds the job's `job_input`; loading the
extension there changes nothing, so the same notebook runs in both places unchanged.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import pathlib
import re
import shlex
import signal
import sys
import threading
import weakref
from typing import Any
from typing import Optional

from IPython.core.magic import Magics
from IPython.core.magic import cell_magic
from IPython.core.magic import line_magic
from IPython.core.magic import magics_class
from IPython.core.magic_arguments import argument
from IPython.core.magic_arguments import magic_arguments
from IPython.core.error import UsageError

from vdk.plugin.notebook.kernel import old_setup
from vdk.plugin.notebook.kernel.kernel_job import KernelJob
from vdk.plugin.notebook.kernel.kernel_job import LazyJobInput

log = logging.getLogger(__name__)

_NON_VDK_LINE = re.compile(r"^\s*%%\s*non-vdk\s*$")
_sessions: "weakref.WeakKeyDictionary[Any, _Session]" = weakref.WeakKeyDictionary()


class _Session:
    """The extension's state in one shell: the current job and its `job_input` stand-in."""

    def __init__(self, shell: Any):
        self.shell = shell
        self.default_directory = pathlib.Path.cwd().resolve()
        self.job = KernelJob(self.default_directory)
        self.job_input = LazyJobInput(lambda: self.job)

    def publish(self) -> None:
        self.shell.user_ns["job_input"] = self.job_input

    def flush_after_cell(self, result: Any = None) -> None:
        """post_run_cell: if the cell sent rows for ingestion, finalise the job now, which
        waits until they are written. Jupyter gives a kernel 5 s to exit on shutdown before it
        kills it; thousands of rows take longer, and would be lost with the process."""
        if not self.job.sent:
            return
        try:
            self.job.finalize()
        except Exception as e:  # noqa: BLE001 - shown under the cell, as the cell's own error
            print(f"Flushing the rows this cell sent for ingestion failed: {type(e).__name__}: "
                  f"{e}", file=sys.stderr)

    def finalize_at_exit(self) -> None:
        """Runs at interpreter exit (kernel shutdown or restart): flush what was ingested.

        Jupyter asks a kernel to shut down, then sends SIGTERM after half of its
        shutdown_wait_time (5 s by default) and SIGKILL after the rest. Flushing ingestion can
        take a couple of seconds, so SIGTERM is ignored from here on: it would kill the
        process halfway through, and the rows with it.
        """
        if self.job.started and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            if self.job.finalize():
                log.info("Finalised the %s at kernel exit.", self.job.label())
        except Exception:  # at exit there is no cell to show it in; log it
            log.exception("Finalising the data job at kernel exit failed; rows sent for "
                          "ingestion may not have been written.")


def load_ipython_extension(shell: Any) -> None:
    existing = shell.user_ns.get("job_input")
    if existing is not None and not isinstance(existing, LazyJobInput):
        log.debug("job_input is already defined (as under vdk run); the extension changes nothing.")
        return
    session = _Session(shell)
    _sessions[shell] = session
    session.publish()
    shell.register_magics(VdkMagics(shell, session))
    shell.input_transformers_cleanup.append(_run_non_vdk_cell_as_is)
    shell.events.register("post_run_cell", session.flush_after_cell)
    old_setup.install(shell, lambda: session.job_input)  # vdk-ipython's set-up cell runs too
    atexit.register(session.finalize_at_exit)


def unload_ipython_extension(shell: Any) -> None:
    session = _sessions.pop(shell, None)
    if session is None:
        return
    atexit.unregister(session.finalize_at_exit)
    with contextlib.suppress(ValueError):
        shell.events.unregister("post_run_cell", session.flush_after_cell)
    session.job.finalize()
    if shell.user_ns.get("job_input") is session.job_input:
        del shell.user_ns["job_input"]
    for kind, name in (("line", "vdk"), ("cell", "vdksql"), ("cell", "non-vdk")):
        shell.magics_manager.magics[kind].pop(name, None)
    if _run_non_vdk_cell_as_is in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(_run_non_vdk_cell_as_is)
    old_setup.uninstall(shell)


def _run_non_vdk_cell_as_is(lines: list[str]) -> list[str]:
    """Blank out a leading `%%non-vdk` line, so Jupyter runs the cell exactly as a plain cell
    (same line numbers, errors, displayed value). `vdk run` leaves such cells out."""
    if lines and _NON_VDK_LINE.match(lines[0]):
        return ["\n"] + lines[1:]
    return lines


@magics_class
class VdkMagics(Magics):
    def __init__(self, shell: Any, session: _Session):
        super().__init__(shell)
        self._session = session

    @magic_arguments()
    @argument("--path", metavar="DIR", help="use the data job in folder DIR (relative to the "
              "kernel's working directory)")
    @argument("--arguments", metavar="JSON", help="job arguments, a JSON object as `vdk run "
              "--arguments` takes it, for example '{\"day\": \"2026-11-25\"}'")
    @argument("--reset", action="store_true", help="start afresh: the kernel's working "
              "directory, no arguments (unless --path or --arguments are given too)")
    @argument("--finalize", action="store_true", help="finalise the job now: flush what was "
              "sent for ingestion, close connections; job_input starts it again when next used")
    @argument("-h", "--help", action="store_true", help="show this help")
    @line_magic
    def vdk(self, line: str) -> None:
        """Show or change the data job behind `job_input` in this kernel.

        Without options, says which job folder and arguments `job_input` uses. Changing the
        folder or the arguments, or --reset, finalises the current job first (so nothing sent
        for ingestion is lost); the new one starts when job_input is next used.
        Put %vdk lines in a cell marked %%non-vdk: under `vdk run` the job and its arguments
        come from the command line.
        `%vdk deploy --reason "..."` deploys the job; `%vdk jobs` shows the deployed jobs (see
        `%vdk deploy --help`, `%vdk jobs --help`).
        """
        command, _, rest = line.strip().partition(" ")
        if command in ("deploy", "jobs"):
            from vdk.plugin.notebook.kernel import deploy_magic as magic

            (magic.vdk_deploy if command == "deploy" else magic.vdk_jobs)(
                rest, self._session.job.directory)
            return
        args = _parse(self.vdk, line)
        if args.help:
            print(self.vdk.__doc__)
            return
        session = self._session
        current = session.job
        changes = args.reset or args.path is not None or args.arguments is not None
        directory = session.default_directory if args.reset else current.directory
        if args.path is not None:
            directory = _job_folder(args.path)
        arguments = {} if args.reset else current.arguments
        if args.arguments is not None:
            arguments = _job_arguments(args.arguments)
        finalised = (args.finalize or changes) and current.finalize()
        if finalised:
            print(f"Finalised the {current.label()}: ingestion flushed, connections closed.")
        if (args.finalize or changes) and current.flushed:
            print(f"Rows sent for ingestion and written since the last %vdk --finalize: "
                  f"{current.flushed.describe()}.")
            current.flushed.clear()
        elif args.finalize and not finalised:
            print("Nothing to finalise: job_input has not been used since the job last started.")
        if changes:
            session.job = KernelJob(directory, arguments)
            session.publish()
        print(f"job_input: {session.job.describe()}")

    @cell_magic
    def vdksql(self, line: str, cell: str) -> Optional[Any]:
        """Run the cell as SQL on the job's database connection, as `vdk run` does, and show
        the result as a table (a pandas DataFrame when pandas is installed)."""
        if line.strip():
            raise UsageError(
                "%%vdksql takes no options: put the whole query on the lines below %%vdksql "
                "(vdk run ignores the rest of the %%vdksql line)."
            )
        if not cell.strip():
            raise UsageError("The %%vdksql cell has no query below the %%vdksql line.")
        from vdk.plugin.notebook.kernel.kernel_job import vdk_errors_muted
        from vdk.plugin.notebook.vdk_run.sql_table import run_query

        job_input = self._session.job.job_input()
        with vdk_errors_muted():  # a failure shows as one QueryFailed line instead
            return run_query(job_input, cell)

    @cell_magic("non-vdk")
    def non_vdk(self, line: str, cell: str) -> None:
        """Mark a cell for Jupyter only: it runs here as usual, `vdk run` leaves it out.
        Use it for exploration, plots, and %vdk lines."""
        self.shell.run_cell(cell, store_history=False)


def _parse(magic: Any, line: str) -> Any:
    """Arguments split as a shell would, so '{"day": "x"}' in single quotes arrives as JSON
    (IPython's own splitting keeps the quotes)."""
    try:
        argv = shlex.split(line)
    except ValueError as e:
        raise UsageError(f"%vdk: {e} in: {line}") from None
    return magic.parser.parse_args(argv)


def _job_folder(path: str) -> pathlib.Path:
    folder = pathlib.Path(os.path.expanduser(path))
    folder = (folder if folder.is_absolute() else pathlib.Path.cwd() / folder).resolve()
    if not folder.is_dir():
        raise UsageError(f"--path: there is no folder {folder}. Give the path of a data job "
                         "folder (the one holding its config.ini and steps).")
    return folder


def _job_arguments(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"--arguments is not valid JSON ({e.msg} at column {e.colno}). Quote "
                         "the JSON object in single quotes: --arguments '{\"day\": \"2026-11-25\"}'"
                         ) from None
    if not isinstance(value, dict):
        raise UsageError("--arguments takes a JSON object, as vdk run --arguments does, for "
                         "example '{\"day\": \"2026-11-25\"}'.")
    return value
