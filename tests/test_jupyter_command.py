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
# (jupyterlab.labapp, not jupyterlab: the front end's sources in jupyterlab/ at the top of the
# repository look like a namespace package `jupyterlab` to a test run from there.)
needs_jupyterlab = pytest.mark.skipif(
    importlib.util.find_spec("jupyterlab.labapp") is None,
    reason="JupyterLab (the jupyter extra) is not installed",
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


# Jupyter refuses to run as root (as in this container) unless told to.
AS_ROOT = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def _jupyter_home(tmp_path: pathlib.Path) -> dict:
    """Environment for a Jupyter server that reads no user configuration but this test's."""
    config = tmp_path / "jupyter-config"
    config.mkdir()
    # A user configuration that opens the server to all hosts: the command must not follow it.
    server = {"ip": "0.0.0.0"}
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
        [str(VDK), "start-jupyter", "--new", "daily-sales", "--no-browser", "--port", str(port),
         *AS_ROOT],
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
    assert "No database is configured" not in text  # the environment names one (db fixture)

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

    from vdk.plugin.notebook import vdk_plugin

    return CliEntryBasedTestRunner(vdk_plugin).invoke(["start-jupyter", *args])


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
    (tmp_path / "taken-job").mkdir()
    taken = _start_jupyter("--new", "taken-job")
    assert taken.exit_code == 1 and "already exists" in taken.output
    missing = _start_jupyter(str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "there is no folder" in missing.output


def test_the_package_installs_the_vdk_kernelspec(tmp_path):
    source = tmp_path / "source"  # a copy, so that building leaves the work tree alone
    for name in ("src", "share", "etc"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("setup.py", "pyproject.toml", "build_backend.py", "MANIFEST.in", "README.md"):
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
    # ... and the config file that enables the Jupyter server extension, where Jupyter reads it.
    enabling = prefix / "etc" / "jupyter" / "jupyter_server_config.d" / "vdk_jupyter.json"
    assert json.loads(enabling.read_text())["ServerApp"]["jpserver_extensions"] == {
        "vdk.plugin.notebook.server": True}


@needs_jupyterlab
def test_jupyter_lists_the_server_extension_enabled_and_ok():
    listed = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "jupyter"), "server", "extension", "list"],
        check=True, capture_output=True, text=True,
    )
    listing = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)
    assert "vdk.plugin.notebook.server enabled" in listing, listing
    assert "vdk.plugin.notebook.server  OK" in listing, listing


@needs_jupyterlab
def test_as_root_without_allow_root_the_command_names_the_flag(tmp_path, monkeypatch):
    from vdk.plugin.notebook.cli import start_jupyter as start

    monkeypatch.setattr(start, "_is_root", lambda: True)
    monkeypatch.chdir(tmp_path)
    result = _start_jupyter("--new", "my-job")
    assert result.exit_code == 1
    assert "vdk start-jupyter --allow-root" in result.output
    assert not (tmp_path / "my-job").exists()  # nothing half-done: the job is made on the rerun
    assert "--ServerApp.allow_root=True" in start._command(tmp_path, None, True, allow_root=True)


@needs_jupyterlab
@pytest.mark.parametrize("extension", ["enabled", "disabled"])
def test_refuses_to_start_a_server_whose_config_empties_the_token(tmp_path, extension):
    """Also when the user's config disables vdk-jupyter's server extension (issue 25): the
    command itself refuses, not only the extension."""
    env = _jupyter_home(tmp_path)
    config = pathlib.Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.py"
    config.write_text("c.IdentityProvider.token = ''\nc.ServerApp.token = ''\n" + (
        "c.ServerApp.jpserver_extensions = {'vdk.plugin.notebook.server': False}\n"
        if extension == "disabled" else ""))
    port = _free_port()
    done = subprocess.run(
        [str(VDK), "start-jupyter", "--no-browser", "--port", str(port), *AS_ROOT],
        cwd=tmp_path, env=env, text=True, capture_output=True, timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "refuses to start JupyterLab without authentication" in output
    assert "jupyter server password" in output  # what to do
    with pytest.raises(OSError):  # and nothing listens
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@needs_jupyterlab
def test_a_job_without_a_database_is_told_at_start_which_sqlite_file_it_uses(tmp_path, monkeypatch):
    from vdk.plugin.notebook.cli import start_jupyter as start

    for name in [n for n in os.environ if n.startswith("VDK_DB_") or n == "VDK_SQLITE_FILE"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(start, "_is_root", lambda: False)
    commands = []
    monkeypatch.setattr(start, "_run_until_interrupted", lambda command, folder: commands.append(command) or 0)
    monkeypatch.chdir(tmp_path)
    result = _start_jupyter("--new", "my-job")
    assert result.exit_code == 0, result.output
    databases = tmp_path / "data" / "vdk-jupyter" / "databases"
    assert result.output.count("No database is configured for data job 'my-job'") == 1
    assert f"use the SQLite file {databases}" in result.output and len(commands) == 1


def test_the_server_gives_kernels_time_to_flush_ingestion_when_they_shut_down(tmp_path):
    """jupyter_client kills a kernel 5 s after asking it to shut down; a kernel's job may still
    be writing rows then. The option is jupyter_client's own (KernelManager.shutdown_wait_time);
    what is checked here is that `vdk start-jupyter` passes it to its server."""
    from vdk.plugin.notebook.cli.start_jupyter import _command

    command = _command(tmp_path, None, True)
    assert "--KernelManager.shutdown_wait_time=30" in command
