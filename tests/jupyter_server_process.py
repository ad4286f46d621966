"""A real Jupyter server, started as a user's would be, for the tests of vdk-jupyter's server API.

It runs as a subprocess on 127.0.0.1 with a token, a temporary root folder, a home and data
directory of its own (so the default SQLite files land there) and VDK's temporary directory
under the test's folder. Requests carry the token as JupyterLab's requests do.
"""
from __future__ import annotations

import json
import os
import pathlib
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any
from typing import Optional


class Answer:
    def __init__(self, status: int, body: bytes, content_type: str):
        self.status = status
        self.body = body
        self.content_type = content_type

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:500]!r}>"


class JupyterServer:
    def __init__(self, base: pathlib.Path):
        self.root = base / "root"
        self.home = base / "home"
        self.temp = base / "vdk-temp"
        for folder in (self.root, self.home, self.temp):
            folder.mkdir(parents=True, exist_ok=True)
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = base / "server.log"
        self.process: Optional[subprocess.Popen] = None

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VDK_", "JUPYTER"))}
        env.update(HOME=str(self.home), XDG_DATA_HOME=str(self.home / "data"),
                   VDK_TEMPORARY_WRITE_DIRECTORY=str(self.temp),
                   JUPYTER_CONFIG_DIR=str(self.home / "jupyter-config"))
        return env

    def command(self) -> list[str]:
        """The command line; a subclass adds options or starts another app (JupyterLab)."""
        command = [
            sys.executable, "-m", "jupyter_server", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            command.append("--allow-root")
        return command

    def start(self, timeout: float = 60) -> "JupyterServer":
        """Starts the server and returns once it answers (or raises with its log)."""
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(self.command(), env=self.environment(), stdout=out,
                                            stderr=subprocess.STDOUT, cwd=self.home)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command()[2]} exited:\n{self.log.read_text()}")
            try:
                if self.request("GET", "api/status").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.command()[2]} did not answer in {timeout:.0f} s:\n"
                           f"{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def request(self, method: str, path: str, body: Any = None, raw: Optional[bytes] = None,
                token: Optional[str] = "default", timeout: float = 60) -> Answer:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if token is not None:
            request.add_header("Authorization", f"token {self.token if token == 'default' else token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, response.read(), response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.read(), e.headers.get("Content-Type", ""))

    def api(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.request(method, "vdk-jupyter/" + path, body, **kwargs)

    def wait_for_run(self, run_id: str, timeout: float = 120) -> tuple[dict, list[dict]]:
        """Follows a run through the long poll, as the front end does: (result, all events)."""
        events: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.api("GET", f"runs/{run_id}?after={events[-1]['seq'] if events else 0}")
            assert answer.status == 200, answer
            events += answer.json["events"]
            if answer.json["done"]:
                return answer.json["result"], events
        raise AssertionError(f"run {run_id} did not end in {timeout} s; events: {events}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
