"""What an attacker or an unlucky user sees of the server extension's deploy, runs and jobs
(issue 25), through a real `jupyter server` subprocess with a token and a Control Service
stand-in (control_service.py) that also refuses connections, fails, answers HTML or never
answers: links in a job folder, files that never belong in a deployment, secrets in `ps`,
bounded calls to the Control Service, Stop, and names no file can have."""
from __future__ import annotations

import io
import json
import pathlib
import signal
import sqlite3
import stat
import threading
import time
import zipfile
from typing import Optional

import pytest

pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")
pytest.importorskip("jupyter_server", reason="the Jupyter server (the jupyter extra) is missing")

from control_service import ControlServiceStandIn
from jupyter_server_process import JupyterServer
from notebooks import code
from notebooks import notebook
from notebooks import write

TEAM = "analytics"
OUTPUT = {"name": "stdout", "output_type": "stream", "text": ["customer 4711: 99.50\n"]}


class Server(JupyterServer):
    """The test server, with the Control Service settings a user would have exported."""

    def __init__(self, base: pathlib.Path, env: dict[str, str], ignore_sigint: bool = False):
        super().__init__(base)
        self.extra_env = env
        self.ignore_sigint = ignore_sigint

    def environment(self) -> dict[str, str]:
        return dict(super().environment(), **self.extra_env)

    def start(self, timeout: float = 60) -> "Server":
        if not self.ignore_sigint:
            return super().start(timeout)
        # As `jupyter server &` from a script: SIGINT ignored, and inherited by children.
        original = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return super().start(timeout)
        finally:
            signal.signal(signal.SIGINT, original)


@pytest.fixture
def service(tmp_path):
    with ControlServiceStandIn(lambda name, archive: ("succeeded", "")) as stand_in:
        yield stand_in
        assert stand_in.violations == []


def start_server(tmp_path: pathlib.Path, service: Optional[ControlServiceStandIn], **env: str
                 ) -> Server:
    settings = {"VDK_BASE_CONFIG_FOLDER": str(tmp_path / "vdk-config")}
    if service is not None:
        settings["VDK_CONTROL_SERVICE_REST_API_URL"] = service.url
    return Server(tmp_path / "server", dict(settings, **env)).start()


@pytest.fixture
def server(tmp_path, service):
    """With vdk-jupyter's own HTTP defaults: none of VDK_CONTROL_HTTP_* is set."""
    server = start_server(tmp_path, service)
    yield server
    server.stop()


def job_folder(root: pathlib.Path, name: str = "secure-job", requirements: str = "vdk-jupyter\n"
               ) -> pathlib.Path:
    job = root / name
    job.mkdir(parents=True)
    (job / "config.ini").write_text(f"[owner]\nteam = {TEAM}\n")
    (job / "requirements.txt").write_text(requirements)
    nb = notebook([code("print('customer 4711')")])
    nb["cells"][0].update(execution_count=1, outputs=[dict(OUTPUT)])
    (job / "20_load.ipynb").write_text(json.dumps(nb))
    return job


def uploaded(service: ControlServiceStandIn) -> dict[str, bytes]:
    [(_, archive)] = service.uploads
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return {m.filename.split("/", 1)[1]: zipped.read(m) for m in zipped.infolist()
                if not m.is_dir()}


def deploy(server: Server, path: str = "secure-job", **body) -> tuple[int, dict]:
    answer = server.api("POST", "deploy", dict({"path": path, "reason": "test"}, **body))
    return answer.status, answer.json


# ---- 1. links ----

def test_links_out_of_the_job_are_refused_naming_them_and_nothing_is_written_through_one(
        server, service, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "id_rsa").write_text("PRIVATE KEY")
    job = job_folder(server.root)
    (job / "notes.txt").symlink_to(outside / "id_rsa")

    status, answer = deploy(server)
    assert (status, answer["kind"]) == (400, "files"), answer
    assert answer["message"].startswith(f"notes.txt in the job folder is a symbolic link to "
                                        f"{outside / 'id_rsa'}, outside the job folder")
    assert "Nothing was uploaded." in answer["message"]
    listed = server.api("GET", "deploy/files?path=secure-job")
    assert listed.status == 400 and "notes.txt" in listed.json["message"]
    (job / "notes.txt").unlink()

    # A notebook linked from elsewhere, with its outputs: refused, not uploaded.
    write(outside / "nb.ipynb", [code("print(1)", count=1)])
    (job / "30_other.ipynb").symlink_to(outside / "nb.ipynb")
    status, answer = deploy(server)
    assert status == 400 and answer["message"].startswith("30_other.ipynb in the job folder is a "
                                                          "symbolic link to"), answer
    (job / "30_other.ipynb").unlink()

    # "Add vdk-jupyter and deploy" with requirements.txt linked to a file outside the job.
    (outside / "requirements.txt").write_text("pandas\n")
    (job / "requirements.txt").unlink()
    (job / "requirements.txt").symlink_to(outside / "requirements.txt")
    status, answer = deploy(server, add_requirement=True)
    assert (status, answer["kind"]) == (400, "requirements"), answer
    assert "requirements.txt of the job is a symbolic link" in answer["message"]
    assert (outside / "requirements.txt").read_text() == "pandas\n"
    assert service.requests == []


def test_links_inside_the_job_are_uploaded_as_the_files_they_point_to(server, service):
    job = job_folder(server.root)
    (job / "docs").mkdir()
    (job / "docs" / "readme.md").write_text("how to run")
    (job / "readme.md").symlink_to("docs/readme.md")
    (job / "30_same.ipynb").symlink_to("20_load.ipynb")

    status, answer = deploy(server)
    assert status == 200, answer
    files = uploaded(service)
    assert files["readme.md"] == b"how to run"
    assert b"customer 4711: 99.50" not in files["30_same.ipynb"]  # stripped like any notebook
    assert json.loads(files["30_same.ipynb"])["cells"][0]["outputs"] == []


# ---- 9. what is uploaded ----

def test_what_never_belongs_in_a_deployment_is_left_out_and_the_dialog_lists_the_rest(
        server, service):
    job = job_folder(server.root)
    for name, text in ((".env", "DB_PASSWORD=x"), (".env.local", "x"), (".git/config", "[core]"),
                       (".venv/bin/python", "x"), ("local.sqlite", "x"), ("data/cache.db", "x"),
                       (".idea/workspace.xml", "x"), (".vscode/settings.json", "{}"),
                       (".ipynb_checkpoints/20_load-checkpoint.ipynb", "{}"),
                       ("__pycache__/x.cpython-311.pyc", "x"), ("keep.db", "needed"),
                       ("lib/helpers.py", "X = 1"), ("scratch/notes.txt", "mine")):
        (job / name).parent.mkdir(parents=True, exist_ok=True)
        (job / name).write_text(text)
    (job / ".vdkignore").write_text("# the user's own rules\nscratch/\n!keep.db\n")
    # Notebooks in a sub-folder: format 3 with outputs, and widget state and cell metadata.
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""}, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "print(1)", "language": "python",
                    "metadata": {}, "outputs": [dict(OUTPUT)], "prompt_number": 1}]}]}
    (job / "lib" / "old.ipynb").write_text(json.dumps(v3))
    nb = notebook([code("x = 1", count=1)])
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"secret": 1}}
    nb["cells"][0]["metadata"] = {"tags": ["keep"], "execution": {"shell.execute_reply": "t"},
                                  "papermill": {"parameters": {"password": "x"}}}
    write(job / "lib" / "new.ipynb", nb)

    listed = server.api("GET", "deploy/files?path=secure-job")
    assert listed.status == 200, listed
    expected = [".vdkignore", "20_load.ipynb", "config.ini", "keep.db", "lib/helpers.py",
                "lib/new.ipynb", "lib/old.ipynb", "requirements.txt"]
    assert listed.json["files"] == expected
    assert {".env", ".git/", ".venv/", "local.sqlite", "data/cache.db", ".idea/", ".vscode/",
            ".ipynb_checkpoints/", "__pycache__/", "scratch/"} <= set(listed.json["left_out"])

    status, answer = deploy(server)
    assert status == 200, answer
    assert answer["files"] == expected and f"{len(expected)} files were uploaded" in \
        answer["message"]
    files = uploaded(service)
    assert sorted(files) == expected
    assert b"customer 4711" not in files["lib/old.ipynb"]
    old = json.loads(files["lib/old.ipynb"])["worksheets"][0]["cells"][0]
    assert old["outputs"] == [] and "prompt_number" not in old and old["input"] == "print(1)"
    new = json.loads(files["lib/new.ipynb"])
    assert "widgets" not in new["metadata"] and new["cells"][0]["metadata"] == {"tags": ["keep"]}
    assert (job / ".env").exists()  # nothing of the user's changed


def test_a_notebook_that_cannot_be_stripped_is_refused_until_it_is_ignored(server, service):
    job = job_folder(server.root)
    (job / "lib").mkdir()
    (job / "lib" / "broken.ipynb").write_text('{"cells": [{"outputs": ["customer 4711"]')
    status, answer = deploy(server)
    assert (status, answer["kind"]) == (400, "files"), answer
    assert answer["message"].startswith("lib/broken.ipynb cannot be stripped of its outputs")
    assert ".vdkignore" in answer["message"] and service.requests == []
    (job / ".vdkignore").write_text("lib/broken.ipynb\n")
    status, answer = deploy(server)
    assert status == 200 and "lib/broken.ipynb" not in uploaded(service), answer


# ---- 8. nothing changed before the deploy can happen ----

def test_add_requirement_changes_nothing_when_the_deploy_cannot_happen(tmp_path, service):
    """No Control Service configured, then one that refuses connections."""
    for folder, configured, refused in ((tmp_path, None, (503, "not-configured")),
                                        (tmp_path / "again", service, (502, "service"))):
        if configured is not None:
            service.refuse_connections()
        server = start_server(folder, configured)
        try:
            job = job_folder(server.root, requirements="pandas\n")
            status, answer = deploy(server, add_requirement=True)
            assert (status, answer["kind"]) == refused, answer
            assert (job / "requirements.txt").read_text() == "pandas\n"
        finally:
            server.stop()


def test_add_requirement_adds_the_line_when_the_deploy_happens(server, service):
    job = job_folder(server.root, requirements="pandas\n")
    status, answer = deploy(server, add_requirement=True)
    assert status == 200 and answer["requirement_added"], answer
    assert (job / "requirements.txt").read_text() == "pandas\nvdk-jupyter\n"
    assert uploaded(service)["requirements.txt"] == b"pandas\nvdk-jupyter\n"


# ---- 10. the login file ----

def test_the_login_file_is_left_readable_by_its_owner_only(server, service, tmp_path):
    credentials = tmp_path / "vdk-config" / ".vdk.internal" / "vdk-cred.json"
    credentials.parent.mkdir(parents=True)
    credentials.write_text("{}")
    credentials.chmod(0o644)  # as vdk-control-cli writes it under umask 022
    job_folder(server.root)
    status, answer = deploy(server)
    assert status == 200, answer
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600


# ---- 4 and 6. a Control Service that is down, fails, is not one, or hangs ----

def test_a_refused_connection_a_500_and_an_html_page_are_one_line_answers(server, service):
    job_folder(server.root)
    service.fail_with = 500
    answer = server.api("GET", f"deployed-jobs?team={TEAM}", timeout=30)
    assert (answer.status, answer.json["service_status"]) == (502, None), answer
    assert "failed (HTTP 500, also when retried)" in answer.json["message"]
    service.fail_with = None

    service.answer_html = True
    for method, path in (("GET", f"deployed-jobs?team={TEAM}"),
                         ("GET", f"deployed-jobs/{TEAM}/secure-job/executions"),
                         ("POST", f"deployed-jobs/{TEAM}/secure-job/executions"),
                         ("POST", "deploy")):
        answer = server.api(method, path, {"path": "secure-job", "reason": "x"}
                            if path == "deploy" else None, timeout=30)
        assert answer.status == 502, (path, answer)
        assert "is not what a Control Service answers" in answer.json["message"] or \
            "without the new execution's id" in answer.json["message"], (path, answer)
    service.answer_html = False

    service.refuse_connections()
    answer = server.api("GET", f"deployed-jobs?team={TEAM}", timeout=30)
    assert answer.status == 502 and "cannot reach the Control Service" in \
        answer.json["message"], answer


def test_a_service_that_never_answers_cannot_hold_the_server(tmp_path, service):
    # The user's own setting, read on every call: a short read timeout for this test.
    server = start_server(tmp_path, service, VDK_CONTROL_HTTP_READ_TIMEOUT_SECONDS="3")
    try:
        job_folder(server.root)
        service.hang = True
        answer = server.api("GET", f"deployed-jobs?team={TEAM}", timeout=60)
        assert answer.status == 502 and "did not answer in time" in answer.json["message"], answer
        assert "VDK_CONTROL_HTTP_READ_TIMEOUT_SECONDS" in answer.json["message"]
    finally:
        server.stop()

    server = start_server(tmp_path / "again", service, VDK_CONTROL_HTTP_READ_TIMEOUT_SECONDS="120")
    try:
        job_folder(server.root)
        answers: list = []
        def list_jobs() -> None:
            try:
                answers.append(server.api("GET", f"deployed-jobs?team={TEAM}", timeout=120))
            except OSError:  # still waiting when the server stopped
                pass

        threads = [threading.Thread(target=list_jobs, daemon=True) for _ in range(25)]
        for thread in threads:
            thread.start()
        while service.waiting < 4:  # the pool's threads are all waiting on the service
            time.sleep(0.1)
        # A deploy refused for a local reason, and the rest of the API, still answer.
        status, answer = deploy(server, unsaved=["secure-job/20_load.ipynb"])
        assert (status, answer["kind"]) == (400, "unsaved"), answer
        assert server.request("GET", "api/contents/secure-job", timeout=20).status == 200
        while len(answers) < 5:
            time.sleep(0.1)
        # Calls past what the pool holds are refused at once, saying why.
        assert {a.status for a in answers} == {503}, answers
        assert "not answering fast enough" in answers[0].json["message"]
        # Stopped with SIGTERM, it stops without waiting for the service.
        server.process.terminate()
        server.process.wait(timeout=30)
    finally:
        server.stop()


# ---- 7. names and bodies no file or request can have ----

def test_impossible_names_and_deep_bodies_are_400s(server):
    job_folder(server.root)
    long_name = "secure-job/" + "x" * 300 + ".ipynb"
    surrogate = '{"path": "secure-job/\\ud800.ipynb", "reason": "x"}'.encode()
    deep = ('{"path": "secure-job", "reason": "x", "arguments": {"a": ' + "[" * 980 + "]" * 980
            + "}}").encode()
    cases = {"deployed-jobs": [server.api("GET", f"deployed-jobs?path={long_name}"),
                               server.api("GET", "deployed-jobs?path=secure-job%ED%A0%80"),
                               server.api("GET", "deployed-jobs/%ED%A0%80/secure-job/executions"),
                               server.api("GET", f"deploy/files?path={long_name}")]}
    for endpoint in ("plan", "runs", "deploy"):
        cases[endpoint] = [server.api("POST", endpoint, {"path": long_name, "reason": "x"}),
                           server.api("POST", endpoint, raw=surrogate),
                           server.api("POST", endpoint, raw=deep)]
    for endpoint, answers in cases.items():
        for answer in answers:
            assert answer.status == 400, (endpoint, answer)
            assert answer.json["message"] and "Traceback" not in answer.text


# ---- 3. arguments ----

def test_job_arguments_are_not_on_the_command_line_and_are_masked_in_every_answer(server):
    job = server.root / "args-job"
    job.mkdir()
    (job / "config.ini").write_text(f"[owner]\nteam = {TEAM}\n")
    write(job / "10_check.ipynb", [code(
        "import json, pathlib\n"
        "command = pathlib.Path('/proc/self/cmdline').read_bytes().decode()\n"
        "pathlib.Path('seen.json').write_text(json.dumps({'in_command': 's3cret' in command,\n"
        "    'password': job_input.get_arguments()['db_password'], 'day': day}))",
    ), code("day = None", tags=["parameters"])][::-1])
    started = server.api("POST", "runs", {"path": "args-job", "arguments": {
        "db_password": "s3cret-value", "day": "2026-12-07"}})
    assert started.status == 202, started
    run_id = started.json["run_id"]
    result, events = server.wait_for_run(run_id)
    log = server.api("GET", f"runs/{run_id}/log").text
    assert result["status"] == "succeeded", log
    assert json.loads((job / "seen.json").read_text()) == {
        "in_command": False, "password": "s3cret-value", "day": "2026-12-07"}
    [run_started] = [e for e in events if e["type"] == "run_started"]
    assert run_started["arguments"] == {"db_password": "<masked>", "day": "2026-12-07"}
    everything = json.dumps(server.api("GET", f"runs/{run_id}?after=0").json) + log + \
        json.dumps(server.api("GET", "runs").json)
    assert "s3cret" not in everything

    # A repair run (`vdk repair`) gets them the same way, and plans with them: the same
    # arguments are not "changed".
    (job / "seen.json").unlink()
    repair = server.api("POST", "runs", {"path": "args-job", "repair": {}, "arguments": {
        "db_password": "s3cret-value", "day": "2026-12-07"}})
    assert repair.status == 202, repair
    result, _ = server.wait_for_run(repair.json["run_id"])
    log = server.api("GET", f"runs/{repair.json['run_id']}/log").text
    assert "arguments differ" not in log and "s3cret" not in log, log
    assert result["status"] == "succeeded" and not (job / "seen.json").exists(), log


# ---- 5. Stop ----

def slow_ingesting_job(root: pathlib.Path, database: pathlib.Path) -> pathlib.Path:
    """A cell that sends a row for ingestion, then sleeps: vdk flushes it when the job ends,
    also when it is stopped."""
    job = root / "stop-job"
    job.mkdir()
    (job / "config.ini").write_text(f"[owner]\nteam = {TEAM}\n\n[vdk]\ndb_default_type = SQLITE\n"
                                    f"sqlite_file = {database}\ningest_method_default = sqlite\n")
    write(job / "10_rows.ipynb", [
        code("job_input.send_object_for_ingestion({'n': 1}, destination_table='kept')\n"
             "import time\nprint('sent', flush=True)\ntime.sleep(120)", cell_id="slow")])
    return job


def follow_until_sent(server: Server, run_id: str) -> None:
    """Until the cell has sent its row and sleeps."""
    deadline = time.monotonic() + 120
    while "sent" not in server.api("GET", f"runs/{run_id}/log").text:
        assert time.monotonic() < deadline, server.api("GET", f"runs/{run_id}/log").text
        time.sleep(0.1)


def test_a_second_stop_sends_no_second_ctrl_c(server):
    """The job counts the Ctrl-Cs it gets while it finishes its work (as vdk's end-of-job work
    is, flushing rows for ingestion): a second one would abort that work."""
    job = server.root / "stop-twice"
    job.mkdir()
    (job / "config.ini").write_text(f"[owner]\nteam = {TEAM}\n")
    write(job / "10_finishing.ipynb", [code(
        "import pathlib, signal, time\n"
        "received = []\n"
        "def on_ctrl_c(signum, frame):\n"
        "    received.append(signum)\n"
        "    pathlib.Path('ctrl-c.txt').write_text(str(len(received)))\n"
        "signal.signal(signal.SIGINT, on_ctrl_c)\n"
        "print('sent', flush=True)\n"
        "while not received:\n"
        "    time.sleep(0.05)\n"
        "time.sleep(2)  # finishing its work\n")])
    run_id = server.api("POST", "runs", {"path": "stop-twice"}).json["run_id"]
    follow_until_sent(server, run_id)
    first = server.api("POST", f"runs/{run_id}/stop")
    time.sleep(0.3)  # as a user clicking twice
    second = server.api("POST", f"runs/{run_id}/stop")
    assert (first.status, second.status) == (202, 202), (first, second)
    result, _ = server.wait_for_run(run_id)
    # It handled the one Ctrl-C and finished its work.
    assert result["exit_code"] == 0, server.api("GET", f"runs/{run_id}/log").text
    assert (job / "ctrl-c.txt").read_text() == "1"


def test_stop_interrupts_a_run_of_a_server_started_with_sigint_ignored(tmp_path):
    server = Server(tmp_path / "server", {}, ignore_sigint=True).start()
    try:
        slow_ingesting_job(server.root, tmp_path / "warehouse.sqlite")
        run_id = server.api("POST", "runs", {"path": "stop-job"}).json["run_id"]
        follow_until_sent(server, run_id)
        assert server.api("POST", f"runs/{run_id}/stop").status == 202
        result, _ = server.wait_for_run(run_id)
        log = server.api("GET", f"runs/{run_id}/log").text
        assert result["status"] == "stopped" and result["failed_cell"]["status"] == \
            "interrupted", log
        assert "SIGTERM" not in log  # Ctrl-C ended the cell; no escalation was needed
        with sqlite3.connect(tmp_path / "warehouse.sqlite") as db:  # the row sent was flushed
            assert db.execute("SELECT n FROM kept").fetchall() == [(1,)]
    finally:
        server.stop()


# ---- the ignore file's syntax, as git reads .gitignore ----

@pytest.mark.parametrize("rules, path, is_dir, ignored", [
    ("*.csv", "data/raw.csv", False, True),
    ("/raw.csv", "data/raw.csv", False, False),
    ("/raw.csv", "raw.csv", False, True),
    ("data/*.csv", "data/raw.csv", False, True),
    ("data/*.csv", "data/sub/raw.csv", False, False),
    ("docs/**/*.md", "docs/a/b/c.md", False, True),
    ("**/tmp", "a/b/tmp", True, True),
    ("build/", "build", False, False),
    ("build/", "src/build", True, True),
    ("*.db\n!keep.db", "keep.db", False, False),
    ("report-[0-9].txt", "report-7.txt", False, True),
    ("report-[!0-9].txt", "report-7.txt", False, False),
    ("\\#notes", "#notes", False, True),
    ("# a comment\n\n", "# a comment", False, False),
])
def test_ignore_rules_match_as_gitignore_does(rules, path, is_dir, ignored):
    from vdk.plugin.notebook.deploy.ignore_rules import IgnoreRules
    from vdk.plugin.notebook.deploy.ignore_rules import parse

    assert IgnoreRules(parse(rules, ".vdkignore")).ignored(path, is_dir) is ignored


def test_a_link_to_a_left_out_file_or_a_notebook_under_another_name_is_refused(server, service):
    job = job_folder(server.root)
    (job / ".env").write_text("DB_PASSWORD=x")
    (job / "settings.txt").symlink_to(".env")
    status, answer = deploy(server)
    assert status == 400 and answer["message"].startswith(
        "settings.txt in the job folder is a symbolic link to .env, which deployments leave "
        "out"), answer
    (job / "settings.txt").unlink()
    (job / "copy.json").symlink_to("20_load.ipynb")  # would escape the stripping
    status, answer = deploy(server)
    assert status == 400 and answer["message"].startswith(
        "copy.json in the job folder is a symbolic link to 20_load.ipynb"), answer
    assert service.requests == []
