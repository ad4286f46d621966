"""The deploy endpoints of the Jupyter server (docs/deploy-api.md), called as JupyterLab calls
them, on a real `jupyter server` subprocess with a token, against the test Control Service."""
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

import pytest

pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")
pytest.importorskip("jupyter_server", reason="the Jupyter server (the jupyter extra) is missing")

from notebooks import code
from test_deploy import PASSING
from test_deploy import TEAM
from test_deploy import deployable_job

EXTENSION = "vdk.plugin.notebook.server"


class Server:
    def __init__(self, root: pathlib.Path, log: pathlib.Path):
        self.root, self.token = root, secrets.token_hex(16)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        command = [sys.executable, "-m", "jupyter_server", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                   "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
                   f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.jpserver_extensions={EXTENSION}=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(log.parent / "jupyter-config"))
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.call("GET", "api/status")[0] == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def server(control_service, tmp_path):
    """Started after the test Control Service, so it inherits the settings pointing at it."""
    root = tmp_path / "root"
    root.mkdir()
    server = Server(root, tmp_path / "server.log")
    yield server
    server.stop()


def test_deploy_list_execute_and_disable_through_the_api(server, control_service):
    deployable_job(server.root, PASSING)

    status, answer = server.call("POST", "vdk-jupyter/deploy", {
        "path": "notebook-job/20_load.ipynb", "reason": "from JupyterLab", "unsaved": []})
    assert status == 200, answer
    assert answer["job"] == "notebook-job" and answer["team"] == TEAM and answer["created"]
    assert answer["message"].startswith("Deployed data job 'notebook-job'")

    status, answer = server.call("GET", "vdk-jupyter/deployed-jobs?path=notebook-job")
    assert status == 200, answer
    assert answer["team"] == TEAM and answer["url"] == control_service.url
    [job] = answer["jobs"]
    assert (job["name"], job["enabled"], job["schedule"], job["last_execution"]) == \
        ("notebook-job", True, "11 23 5 8 1", None)

    status, answer = server.call("POST", f"vdk-jupyter/deployed-jobs/{TEAM}/notebook-job/executions")
    assert status == 202 and answer["execution_id"].startswith("notebook-job-"), answer
    deadline = time.monotonic() + 240
    while True:
        status, answer = server.call("GET",
                                     f"vdk-jupyter/deployed-jobs/{TEAM}/notebook-job/executions")
        [execution] = answer["executions"]
        if execution["finished"]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert execution["status"] == "succeeded" and execution["started_by"] == "manual/vdk-jupyter"
    assert execution["logs_url"].startswith(control_service.url) and execution["seconds"] > 0

    status, answer = server.call("PATCH", f"vdk-jupyter/deployed-jobs/{TEAM}/notebook-job/deployment",
                                 {"enabled": False})
    assert (status, answer["enabled"]) == (200, False)
    [job] = server.call("GET", f"vdk-jupyter/deployed-jobs?team={TEAM}")[1]["jobs"]
    assert job["enabled"] is False and job["last_execution"]["status_text"] == "succeeded"


def test_refused_deploys_answer_one_message_and_upload_nothing(server, control_service):
    job = deployable_job(server.root, [code("def broken(:")])

    status, answer = server.call("POST", "vdk-jupyter/deploy",
                                 {"path": "notebook-job", "reason": "x"})
    assert (status, answer["kind"]) == (400, "notebook"), answer
    assert answer["message"].startswith("20_load.ipynb cannot be run.\n")

    status, answer = server.call("POST", "vdk-jupyter/deploy", {
        "path": "notebook-job", "reason": "x", "unsaved": ["notebook-job/20_load.ipynb"]})
    assert (status, answer["kind"]) == (400, "unsaved"), answer

    (job / "requirements.txt").write_text("")
    status, answer = server.call("POST", "vdk-jupyter/deploy", {"path": "notebook-job",
                                                                 "reason": "x"})
    assert (status, answer["kind"]) == (400, "requirements"), answer

    for path, expected in (("../elsewhere", 403), ("/etc", 403), (7, 400), ("", 400)):
        status, answer = server.call("POST", "vdk-jupyter/deploy", {"path": path, "reason": "x"})
        assert status == expected and answer["message"], (path, answer)
    assert control_service.requests == []


def test_control_service_errors_are_one_line_answers(server, control_service):
    status, answer = server.call("GET", f"vdk-jupyter/deployed-jobs/{TEAM}/no-such-job/executions")
    assert (status, answer["kind"], answer["service_status"]) == (502, "service", 404), answer
    assert "\n" not in answer["message"] and "(HTTP 404)" in answer["message"]
    control_service.fail_with = 503
    status, answer = server.call("GET", f"vdk-jupyter/deployed-jobs?team={TEAM}")
    assert status == 502 and "failed (HTTP 503" in answer["message"], answer
