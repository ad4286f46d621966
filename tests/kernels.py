"""Kernels for the tests that run notebooks as Jupyter runs them (nbclient and ipykernel).

They talk to the kernel over IPC sockets (files in a temporary folder), not TCP ports. CI runs
two lanes of the suite side by side; over TCP, jupyter_client picks ports that are free when it
looks, and the other lane's kernel could bind one of them first: the kernel then dies at start
("Address already in use", "Kernel died before replying to kernel_info"). The cells run as they
do over TCP."""
from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
from typing import Iterator

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient


@contextlib.contextmanager
def kernel_sockets() -> Iterator[str]:
    """The `ip` of a kernel manager with transport "ipc": an absolute path (the kernel starts in
    another folder), short (a socket's path has at most 107 bytes), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="vdk-kernel-") as folder:
        yield os.path.join(folder, "k")


@contextlib.contextmanager
def notebook_client(nb, kernel_name: str, folder: pathlib.Path) -> Iterator[NotebookClient]:
    """A client that runs `nb` in a new `kernel_name` kernel started in `folder`."""
    with kernel_sockets() as sockets:
        manager = AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=sockets)
        yield NotebookClient(nb, km=manager, timeout=60,
                             resources={"metadata": {"path": str(folder)}})
