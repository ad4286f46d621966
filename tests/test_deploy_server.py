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
    status, files = server.call("GET", "vdk-jupyter/deploy/files?path=notebook-job")
    assert status == 200, files
    schedule = files["schedule"]
    assert (schedule["cron"], schedule["words"], schedule["problem"]) == (
        "11 23 5 8 1", "at 23:11 UTC on day 5 of August and on Mondays in August", None)
    assert len(schedule["next"]) == 3

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
    # 23:11 UTC on 5 August or on a Monday of August
    assert len(job["schedule_next"]) == 3 and \
        all(run.endswith("T23:11:00+00:00") and run[5:7] == "08" for run in job["schedule_next"])
    assert job["schedule_words"] == "at 23:11 UTC on day 5 of August and on Mondays in August"

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

    (job / "requirements.txt").write_text("vdk-jupyter\n")
    (job / "20_load.ipynb").unlink()
    (job / "config.ini").write_text(f"[owner]\nteam = {TEAM}\n\n[job]\nschedule_cron = 0 25 * * *\n")
    status, files = server.call("GET", "vdk-jupyter/deploy/files?path=notebook-job")
    assert status == 200 and files["schedule"] == {
        "cron": "0 25 * * *", "words": None, "next": [],
        "problem": "In the hour field '25': 25 is out of range; an hour is 0-23."}, files
    status, answer = server.call("POST", "vdk-jupyter/deploy", {"path": "notebook-job",
                                                                 "reason": "x"})
    assert (status, answer["kind"]) == (400, "schedule"), answer
    assert "an hour is 0-23" in answer["message"]

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


STATUSES = {"submitted": "submitted", "running": "running", "succeeded": "succeeded",
            "cancelled": "cancelled", "skipped": "skipped",
            "user_error": "failed (user error)", "platform_error": "failed (platform error)"}


def test_every_execution_status_reads_as_its_word_in_the_list_and_the_executions(
        server, control_service):
    """The jobs query answers USER_ERROR (the GraphQL schema), the executions user_error: both
    read user_error / "failed (user error)"; never as a success."""
    control_service.add_job(TEAM, "status-job", deployed=True)
    jobs = f"vdk-jupyter/deployed-jobs?team={TEAM}"
    executions = f"vdk-jupyter/deployed-jobs/{TEAM}/status-job/executions"
    for status, word in STATUSES.items():
        control_service.add_execution(TEAM, "status-job", status)
        [job] = server.call("GET", jobs)[1]["jobs"]
        last = job["last_execution"]
        assert (last["status"], last["status_text"]) == (status, word)
        assert last["finished"] == (status not in ("submitted", "running"))
        newest = server.call("GET", executions)[1]["executions"][0]
        assert (newest["status"], newest["status_text"]) == (status, word)
        control_service.execution("status-job")["status"] = "succeeded"  # one active at most
    assert job["deployment_status"] == "success"
    queried = [r for r in control_service.requests if r.operation == "jobsQuery"]
    assert len(queried) == len(STATUSES)


def test_logs_while_running_then_cancel(server, control_service):
    control_service.add_job(TEAM, "logs-job", deployed=True)
    execution = control_service.add_execution(TEAM, "logs-job", "running",
                                              logs="Processing step 10_a.py\n")
    logs = f"vdk-jupyter/deployed-jobs/{TEAM}/logs-job/executions/{execution['id']}/logs"
    status, answer = server.call("GET", logs)
    assert status == 200, answer
    assert (answer["execution"]["status"], answer["logs"]) == ("running",
                                                                "Processing step 10_a.py\n")
    execution["log_text"] += "a new line\n"
    assert server.call("GET", logs)[1]["logs"].endswith("a new line\n")

    one = f"vdk-jupyter/deployed-jobs/{TEAM}/logs-job/executions/{execution['id']}"
    status, answer = server.call("DELETE", one)
    assert (status, answer["execution"]["status"], answer["execution"]["status_text"]) == \
        (200, "cancelled", "cancelled")
    assert "dataJobExecutionCancel" in control_service.operations()
    # Cancelled already: the service refuses, and says so in one line.
    status, answer = server.call("DELETE", one)
    assert (status, answer["service_status"]) == (502, 404), answer
    assert answer["message"].startswith(f"Could not cancel execution '{execution['id']}'")

    # Ended without logs at the service: null, and its logs_url, or nothing at all.
    ended = control_service.add_execution(TEAM, "logs-job", "user_error")
    answer = server.call("GET", f"vdk-jupyter/deployed-jobs/{TEAM}/logs-job/executions/"
                                f"{ended['id']}/logs")[1]
    assert (answer["logs"], answer["logs_url"]) == (None, ended["logs_url"])
    bare = control_service.add_execution(TEAM, "logs-job", "platform_error", logs_url=False)
    answer = server.call("GET", f"vdk-jupyter/deployed-jobs/{TEAM}/logs-job/executions/"
                                f"{bare['id']}/logs")[1]
    assert (answer["logs"], answer["logs_url"], answer["execution"]["status_text"]) == \
        (None, None, "failed (platform error)")


def test_properties_and_secrets_whose_values_never_come_back(server, control_service, tmp_path):
    control_service.add_job(TEAM, "props-job", deployed=True)
    job = f"vdk-jupyter/deployed-jobs/{TEAM}/props-job"
    assert server.call("GET", f"{job}/properties")[1]["properties"] == {}
    properties = {"rows": 100, "source": {"url": "http://x", "tables": ["a", "b"]}}
    status, answer = server.call("PUT", f"{job}/properties", {"properties": properties})
    assert (status, answer["properties"]) == (200, properties)
    assert control_service.jobs[(TEAM, "props-job")].properties == properties
    assert server.call("GET", f"{job}/properties")[1]["properties"] == properties
    for bad, said in (([1, 2], "'properties' must be a JSON object"),
                      ("rows=1", "'properties' must be a JSON object"),
                      ({" ": 1}, "A property name cannot be empty.")):
        status, answer = server.call("PUT", f"{job}/properties", {"properties": bad})
        assert (status, answer["message"][:len(said)]) == (400, said), bad
    assert control_service.jobs[(TEAM, "props-job")].properties == properties

    value = "s3cr3t-" + secrets.token_hex(8)
    status, answer = server.call("PUT", f"{job}/secrets/db_password", {"value": value})
    assert (status, answer["names"]) == (200, ["db_password"])
    server.call("PUT", f"{job}/secrets/api_key", {"value": "other-" + secrets.token_hex(4)})
    status, answer = server.call("GET", f"{job}/secrets")
    assert answer["names"] == ["api_key", "db_password"] and value not in json.dumps(answer)
    assert control_service.jobs[(TEAM, "props-job")].secrets["db_password"] == value
    status, answer = server.call("DELETE", f"{job}/secrets/api_key")
    assert answer["names"] == ["db_password"]
    status, answer = server.call("DELETE", f"{job}/secrets/api_key")
    assert status == 502 and answer["message"] == "Data job 'props-job' has no secret 'api_key'."
    assert server.call("PUT", f"{job}/secrets/x", {"value": ""})[0] == 400
    assert value not in (tmp_path / "server.log").read_text()
    assert control_service.violations == []
