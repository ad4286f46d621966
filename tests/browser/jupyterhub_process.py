"""A real JupyterHub for the tests: PyPI's `jupyterhub` with npm's configurable-http-proxy, on
127.0.0.1, with users who log in with a password (DummyAuthenticator) and single-user servers
started as local processes of this environment (SimpleLocalProcessSpawner): `jupyterhub-singleuser`
with nothing configured for vdk-jupyter but what `pip install "vdk-jupyter[jupyter]"` installs
(the server extension's drop-in config, the kernelspec, the prebuilt front end).

Each user's home (and server root) is a folder of its own under the test's folder. A service
token with admin rights lets the test read what the hub knows (a server's last activity).
"""
from __future__ import annotations

import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any
from typing import Optional

TOP = pathlib.Path(__file__).parents[2]
PASSWORD = "hub-test-password"


def proxy_command() -> Optional[str]:
    """configurable-http-proxy on PATH, else where scripts/setup.sh puts it (.work/chp)."""
    found = shutil.which("configurable-http-proxy")
    local = TOP / ".work/chp/node_modules/.bin/configurable-http-proxy"
    return found or (str(local) if local.exists() else None)


def missing_prerequisite() -> Optional[str]:
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed (the test extra)"
    if not pathlib.Path(sys.executable).with_name("jupyterhub-singleuser").exists():
        return "jupyterhub-singleuser is not installed beside this Python"
    if proxy_command() is None:
        return "configurable-http-proxy is not installed (npm; scripts/setup.sh installs it)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterHub:
    def __init__(self, base: pathlib.Path, users: list[str],
                 user_environment: Optional[dict[str, str]] = None,
                 services: Optional[list[dict[str, Any]]] = None):
        self.base = base
        self.users = users
        self.homes = base / "homes"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.token = secrets.token_hex(16)  # the test's own service token (admin)
        self.user_environment = dict(user_environment or {})
        self.services = list(services or [])
        self.log = base / "hub.log"
        self.process: Optional[subprocess.Popen] = None

    def home(self, user: str) -> pathlib.Path:
        return self.homes / user

    def config(self) -> str:
        bin_dir = pathlib.Path(sys.executable).parent
        singleuser = [str(bin_dir / "jupyterhub-singleuser"),
                      "--LabApp.news_url=None",
                      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            singleuser.append("--allow-root")
        environment = {
            # Single-user servers report activity every 5 s instead of 5 minutes.
            "JUPYTERHUB_ACTIVITY_INTERVAL": "5",
            "PATH": os.environ.get("PATH", ""),
            **self.user_environment,
        }
        services = [{"name": "hub-test", "api_token": self.token}] + self.services
        roles = [{"name": "hub-test", "services": ["hub-test"],
                  "scopes": ["admin:users", "admin:servers", "access:servers", "read:users:activity"]}]
        for service in self.services:
            if service.get("name") == "idle-culler":
                roles.append({"name": "idle-culler", "services": ["idle-culler"],
                              "scopes": ["list:users", "read:users:activity", "read:servers",
                                         "delete:servers", "admin:users"]})
        return "\n".join([
            "c.JupyterHub.ip = '127.0.0.1'",
            f"c.JupyterHub.port = {self.port}",
            "c.JupyterHub.hub_ip = '127.0.0.1'",
            f"c.JupyterHub.hub_port = {free_port()}",
            f"c.ConfigurableHTTPProxy.command = [{proxy_command()!r}]",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'",
            f"c.ConfigurableHTTPProxy.pid_file = {str(self.base / 'proxy.pid')!r}",
            f"c.JupyterHub.db_url = 'sqlite:///{self.base / 'hub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = {str(self.base / 'cookie_secret')!r}",
            "c.JupyterHub.authenticator_class = 'dummy'",
            f"c.DummyAuthenticator.password = {PASSWORD!r}",
            f"c.Authenticator.allowed_users = {set(self.users)!r}",
            "c.JupyterHub.spawner_class = 'simple'",
            f"c.SimpleLocalProcessSpawner.home_dir_template = {str(self.homes / '{username}')!r}",
            f"c.Spawner.cmd = {singleuser!r}",
            "c.Spawner.default_url = '/lab'",
            "c.Spawner.start_timeout = 120",
            "c.Spawner.http_timeout = 120",
            f"c.Spawner.environment = {environment!r}",
            f"c.JupyterHub.services = {services!r}",
            f"c.JupyterHub.load_roles = {roles!r}",
            "c.JupyterHub.last_activity_interval = 5",
        ]) + "\n"

    def start(self, timeout: float = 90) -> "JupyterHub":
        for user in self.users:
            # No "official Jupyter news?" question in JupyterLab (it would reach the network).
            settings = self.home(user) / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"
            settings.mkdir(parents=True, exist_ok=True)
            (settings / "notification.jupyterlab-settings").write_text(
                '{"fetchNews": "false", "checkForUpdates": false}')
        config = self.base / "jupyterhub_config.py"
        config.write_text(self.config())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VDK_", "JUPYTER"))}
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [str(pathlib.Path(sys.executable).with_name("jupyterhub")), "-f", str(config)],
                cwd=self.base, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited:\n{self.log.read_text()}")
            try:
                if self.api("GET", "").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"jupyterhub did not answer in {timeout:.0f} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stops the hub; it stops the single-user servers it started and its proxy."""
        if self.process is None or self.process.poll() is not None:
            return
        for user in self.users:
            try:
                self.api("DELETE", f"users/{user}/server")
            except OSError:
                pass
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def api(self, method: str, path: str, body: Any = None, timeout: float = 60) -> "Answer":
        """The hub's REST API (hub/api/<path>) with the test's admin token."""
        return self.request(method, f"hub/api/{path}", body, token=self.token, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None, token: Optional[str] = None,
                timeout: float = 60) -> "Answer":
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"token {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.read())

    def server(self, user: str) -> Optional[dict]:
        """The hub's record of the user's default server (last_activity, ready), or None."""
        answer = self.api("GET", f"users/{user}")
        assert answer.status == 200, answer
        return answer.json.get("servers", {}).get("")


class Answer:
    def __init__(self, status: int, body: bytes):
        self.status = status
        self.body = body

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:500]!r}>"
