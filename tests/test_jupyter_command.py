"""`vdk start-jupyter`: JupyterLab in a job folder on localhost with token authentication,
stopped by Ctrl-C; `--new` makes a job that `vdk run` runs; the "VDK" kernelspec is installed with
the package; without JupyterLab, the command says what to install."""
from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile

import nbformat
import pytest

from conftest import JobFolder

ROOT = pathlib.Path(__file__).resolve().parent.parent
VDK = pathlib.Path(sys.executable).parent / "vdk"
# The "jupyter" extra. scripts/setup.sh installs it; the Python 3.9 lane of .ci/run does not (pip
# cannot resolve JupyterLab's dependencies there in reasonable time), so these tests say so.
needs_jupyterlab = pytest.mark.skipif(
    importlib.util.find_spec("jupyterlab") is None, reason="JupyterLab (the jupyter extra) is not installed"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    request = urllib.request.Request(url)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _jupyter_home(tmp_path: pathlib.Path) -> dict:
    """Environment for a Jupyter server that reads no user configuration but this test's."""
    config = tmp_path / "jupyter-config"
    config.mkdir()
    # A user configuration that opens the server to all hosts: the command must not follow it.
    server = {"ip": "0.0.0.0"}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        server["allow_root"] = True  # Jupyter refuses to run as root (as in this container)
    (config / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": server}))
    return dict(os.environ, JUPYTER_CONFIG_DIR=str(config),
                JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
                JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"))


def _lines(stream, into: list[str]) -> None:
    for line in iter(stream.readline, ""):
        into.append(line)


def _outside_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))  # no packet is sent: this only picks a route
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@needs_jupyterlab
def test_new_job_in_jupyterlab_on_localhost_with_a_token_stopped_by_ctrl_c(tmp_path, run_job, db):
    port = _free_port()
    output: list[str] = []
    server = subprocess.Popen(
        [str(VDK), "start-jupyter", "--new", "daily-sales", "--no-browser", "--port", str(port)],
        cwd=tmp_path, env=_jupyter_home(tmp_path), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    threading.Thread(target=_lines, args=(server.stdout, output), daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        url = None
        while url is None and time.monotonic() < deadline and server.poll() is None:
            url = re.search(rf"http://localhost:{port}/lab\?token=(\w+)", "".join(output))
            time.sleep(0.2)
        assert url, "".join(output)
        token = url.group(1)
        base = f"http://localhost:{port}"
        assert _status(f"{base}/api/status") == 403  # no token, no API
        assert _status(f"{base}/lab") == 302  # to the login page
        assert _status(f"{base}/api/status?token={token}") == 200
        with urllib.request.urlopen(f"{base}/api/kernelspecs?token={token}", timeout=10) as r:
            specs = json.load(r)["kernelspecs"]
        assert specs["vdk"]["spec"]["display_name"] == "VDK (Python 3)"
        outside = _outside_address()
        if outside:
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=2).close()
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 0, "".join(output)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        if server.poll() is None:  # the test failed: stop the command and JupyterLab under it
            os.killpg(server.pid, signal.SIGKILL)
    text = "".join(output)
    assert "Created the data job folder" in text and "on localhost with token authentication" in text

    folder = tmp_path / "daily-sales"
    assert "vdk-jupyter" in (folder / "requirements.txt").read_text().split()
    assert "[owner]" in (folder / "config.ini").read_text()
    notebook = nbformat.read(folder / "10_notebook.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "vdk"
    assert "%%non-vdk" in notebook.cells[0].source  # the guide explains the marker
    outcome = run_job(JobFolder(folder))
    assert outcome.exit_code == 0, outcome.explain()
    assert "Data job daily-sales, arguments {}" in outcome.output


def _start_jupyter(*args: str):
    from vdk.plugin.test_utils.util_funcs import CliEntryBasedTestRunner

    from vdk.plugin.notebook.vdk_run import hooks as plugin

    return CliEntryBasedTestRunner(plugin).invoke(["start-jupyter", *args])


def test_without_jupyterlab_the_command_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "jupyterlab", None)  # as if it were not installed
    monkeypatch.chdir(tmp_path)
    result = _start_jupyter("--new", "my-job")
    assert result.exit_code == 1
    assert 'JupyterLab is not installed' in result.output
    assert 'Install it with: pip install "vdk-jupyter[jupyter]"' in result.output
    assert not (tmp_path / "my-job").exists()


@needs_jupyterlab
def test_new_refuses_a_bad_name_or_an_existing_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = _start_jupyter("--new", "Daily_Sales")
    assert bad.exit_code == 2 and "not a valid data job name" in bad.output
    for name in ("abc\n", "abc\tdef", "../abc", "abc/def"):  # control characters, separators
        refused = _start_jupyter("--new", name)
        assert refused.exit_code == 2 and "not a valid data job name" in refused.output, name
    assert [p.name for p in tmp_path.iterdir()] == []
    (tmp_path / "taken").mkdir()
    taken = _start_jupyter("--new", "taken")
    assert taken.exit_code == 1 and "already exists" in taken.output
    missing = _start_jupyter(str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "there is no folder" in missing.output


def test_the_package_installs_the_vdk_kernelspec(tmp_path):
    source = tmp_path / "source"  # a copy, so that building leaves the work tree alone
    for name in ("src", "share"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    # `pip wheel` builds without touching any environment (unlike `pip install --prefix`,
    # which would uninstall the development install from the venv first).
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--wheel-dir", str(tmp_path / "dist"), str(source)],
        check=True, capture_output=True,
        env=dict(os.environ, PIP_CONSTRAINT=str(ROOT / "constraints.txt")),
    )
    (wheel,) = (tmp_path / "dist").glob("vdk_jupyter-*.whl")
    # An installer puts a wheel's <name>.data/data/ files under the environment's prefix.
    prefix = tmp_path / "prefix"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            data = re.match(r"^[^/]+\.data/data/(.+)$", member)
            if data:
                target = prefix / data.group(1)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    listed = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "jupyter"), "kernelspec", "list", "--json"],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, JUPYTER_PATH=str(prefix / "share" / "jupyter")),
    )
    spec = json.loads(listed.stdout)["kernelspecs"]["vdk"]
    assert pathlib.Path(spec["resource_dir"]) == prefix / "share" / "jupyter" / "kernels" / "vdk"
    assert spec["spec"]["display_name"] == "VDK (Python 3)"
    assert spec["spec"]["argv"][:3] == ["python", "-m", "ipykernel_launcher"]
    assert "--IPKernelApp.extensions=['vdk.plugin.notebook']" in spec["spec"]["argv"]


def test_the_server_gives_kernels_time_to_flush_ingestion_when_they_shut_down(tmp_path):
    """jupyter_client kills a kernel 5 s after asking it to shut down; a kernel's job may still
    be writing rows then. The option is jupyter_client's own (KernelManager.shutdown_wait_time);
    what is checked here is that `vdk start-jupyter` passes it to its server."""
    from vdk.plugin.notebook.jupyter.start import _command

    command = _command(tmp_path, None, True)
    assert "--KernelManager.shutdown_wait_time=30" in command
