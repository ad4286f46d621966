"""`!cmd` lines of notebook cells, run through pipes instead of a pseudo-terminal.

On POSIX, IPython runs `!cmd` through pexpect, whose pseudo-terminal sleeps 0.1 s as it closes:
a notebook with ten `!` lines would spend a second asleep, a third of a small job's run per line.
A job runs unattended, with no terminal to emulate, so the command runs the way IPython runs it
on Windows (a subprocess with pipes), keeping IPython's contract: output written to sys.stdout
as it arrives (so %%capture and reports see it), the exit code in `_exit_code`, and
CalledProcessError when the shell's `system_raise_on_error` is set.
"""
from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import sys
from typing import Any
from typing import Callable


def piped_system(shell: Any) -> Callable[[str], None]:
    """A replacement for the IPython `shell.system` that transformed `!cmd` lines call."""

    def system(cmd: str) -> None:
        if cmd.rstrip().endswith("&"):
            raise OSError("Background processes not supported.")  # IPython's words
        # depth=1: expand {name} and $name from the cell's frame, as IPython's own system does.
        exit_code = run_piped(shell.var_expand(cmd, depth=1))
        shell.user_ns["_exit_code"] = exit_code
        if getattr(shell, "system_raise_on_error", False) and exit_code != 0:
            raise subprocess.CalledProcessError(exit_code, cmd)

    return system


def run_piped(command: str) -> int:
    """Run `command` with the user's shell, stderr merged into stdout as a terminal shows them,
    copying the output to sys.stdout as it comes; return the exit code, negative for a signal."""
    from IPython.utils.encoding import DEFAULT_ENCODING

    executable = shutil.which(os.environ.get("SHELL") or "sh") or "/bin/sh"
    process = subprocess.Popen(
        [executable, "-c", command],
        stdin=subprocess.DEVNULL,  # nobody can answer a prompt in a job run
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    decoder = codecs.getincrementaldecoder(DEFAULT_ENCODING)("replace")
    try:
        for chunk in iter(lambda: process.stdout.read1(65536), b""):
            _write(decoder.decode(chunk))
        _write(decoder.decode(b"", final=True))
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        process.stdout.close()
    return -(code - 128) if code > 128 else code  # sh reports a signal n as 128 + n


def _write(text: str) -> None:
    if text:
        sys.stdout.write(text)
        sys.stdout.flush()
