"""The Jupyter server extension's HTTP API (docs/http-api.md), called
as JupyterLab calls it, on a real `jupyter server` subprocess with a token: which cells `vdk run`
runs, runs of the real `vdk run` with their progress, result, log, report and stop, new jobs, the
default SQLite database, and bad requests refused with a clear message and nothing touched."""
from __future__ import annotations

import json
import pathlib
import sqlite3
import subprocess
import sys
import time

import pytest

pytest.importorskip("jupyter_server", reason="the Jupyter server (the jupyter extra) is not installed")

from jupyter_server_process import JupyterServer
from notebooks import code
from notebooks import markdown
from notebooks import notebook
from notebooks import write

CONFIG = "[owner]\nteam = my-team\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = JupyterServer(tmp_path_factory.mktemp("jupyter")).start()
    yield server
    server.stop()


@pytest.fixture
def make_job(server, request):
    """A job folder under the server root, named after the test."""
    def make(name: str = "", config: str = CONFIG, **notebooks_by_name) -> pathlib.Path:
        folder = server.root / (name or request.node.name.replace("_", "-")[:40])
        folder.mkdir()
        if config is not None:
            (folder / "config.ini").write_text(config)
        for file_name, cells in notebooks_by_name.items():
            write(folder / file_name.replace("__", "."), cells)
        return folder
    return make


def relative(server, path: pathlib.Path) -> str:
    return path.relative_to(server.root).as_posix()


def test_plan_shows_what_vdk_run_runs_for_each_code_cell_of_the_unsaved_notebook(server, make_job):
    job = make_job()
    edited = notebook([
        markdown("# title"),
        code("a = 1", cell_id="first"),
        code("%%vdksql\nSELECT 1", cell_id="sql"),
        code("plot()", tags=["non-vdk"], cell_id="tagged"),
        code("%%non-vdk\nexplore()", cell_id="marked"),
        code("  \n", cell_id="empty"),
        code("%%vdksql\n", cell_id="no-query"),
        code("skip()", tags=["skip-execution"], cell_id="skipped"),
        code("params = 1", tags=["parameters"], cell_id="params"),
    ])
    # Not saved yet: the file does not exist, only its folder decides the job.
    answer = server.api("POST", "plan", {"path": relative(server, job / "20_new.ipynb"), "notebook": edited})
    assert answer.status == 200, answer
    plan = answer.json
    assert plan["job"]["name"] == job.name and plan["job"]["path"] == relative(server, job)
    cells = {c["id"]: c for c in plan["cells"]}
    assert [c["id"] for c in plan["cells"]] == [
        "first", "sql", "tagged", "marked", "empty", "no-query", "skipped", "params"]
    assert (cells["first"]["index"], cells["first"]["number"], cells["first"]["position"]) == (1, 1, 1)
    assert cells["sql"]["position"] == 2 and cells["sql"]["sql"] and not cells["sql"]["left_out"]
    assert cells["params"]["position"] == 3 and cells["params"]["parameters"]
    assert {i: (cells[i]["left_out"], cells[i]["position"], cells[i]["reason"]) for i in
            ("tagged", "marked", "empty", "no-query", "skipped")} == {
        "tagged": (True, None, "tag non-vdk"), "marked": (True, None, "marker"),
        "empty": (True, None, "empty"), "no-query": (True, None, "empty"),
        "skipped": (True, None, "tag skip-execution")}
    assert "vdk run leaves it out" in cells["tagged"]["why"]


def test_plan_in_vdk_only_mode_counts_only_the_cells_tagged_vdk(server, make_job):
    job = make_job()
    cells = [code("a = 1", cell_id="a"), code("b = 2", tags=["vdk"], cell_id="b"),
             code("c = 3", tags=["vdk", "non-vdk"], cell_id="c")]
    plan = server.api("POST", "plan", {"path": relative(server, job / "n.ipynb"),
                                       "notebook": notebook(cells)}).json
    assert [(c["id"], c["position"], c["reason"]) for c in plan["cells"]] == [
        ("a", None, "vdk-only mode"), ("b", 1, None), ("c", None, "tag non-vdk")]


def test_plan_of_a_notebook_outside_any_job_is_empty_and_says_why(server, make_job):
    nb = notebook([code("a = 1")])
    loose = server.root / "loose"
    loose.mkdir()
    plan = server.api("POST", "plan", {"path": "loose/n.ipynb", "notebook": nb}).json
    assert plan["job"] is None and plan["cells"] == []
    assert "not in a data job folder" in plan["note"]
    job = make_job()
    (job / "explore").mkdir()
    plan = server.api("POST", "plan", {"path": relative(server, job / "explore" / "n.ipynb"),
                                       "notebook": nb}).json
    assert plan["job"] is None and "sub-folder of data job" in plan["note"]
    plan = server.api("POST", "plan", {"path": relative(server, job / ".hidden.ipynb"), "notebook": nb}).json
    assert plan["job"] is None and "hidden" in plan["note"]


def test_a_passing_run_uses_the_default_sqlite_file_outside_the_job_and_agrees_with_the_plan(
        server, make_job):
    job = make_job()
    (job / "10_create.sql").write_text("CREATE TABLE things (n INTEGER, who TEXT)")
    cells = [code("%%vdksql\nINSERT INTO things VALUES (1, 'sql cell')", cell_id="sql"),
             code("print('left out')", tags=["non-vdk"], cell_id="out"),
             code("job_input.execute_query(\"INSERT INTO things VALUES (2, 'python cell')\")",
                  cell_id="py")]
    write(job / "20_load.ipynb", cells)
    path = relative(server, job / "20_load.ipynb")
    plan = server.api("POST", "plan", {"path": path, "notebook": notebook(cells)}).json
    database = plan["job"]["database"]
    assert database["default"] and database["type"] == "SQLITE"
    assert pathlib.Path(database["file"]).parent == server.home / "data" / "vdk-jupyter" / "databases"
    assert "No database is configured" in database["message"]

    started = server.api("POST", "runs", {"path": path})
    assert started.status == 202, started
    assert started.json["job"]["database"] == database
    result, events = server.wait_for_run(started.json["run_id"])

    assert result["status"] == "succeeded" and result["exit_code"] == 0, result
    assert result["failed_step"] is None and result["failed_cell"] is None
    assert [(e["type"], e.get("step")) for e in events if e["type"].startswith("step")] == [
        ("step_started", "10_create.sql"), ("step_finished", "10_create.sql"),
        ("step_started", "20_load.ipynb"), ("step_finished", "20_load.ipynb")]
    ran = [e["id"] for e in events if e["type"] == "cell_started"]
    assert ran == [c["id"] for c in plan["cells"] if not c["left_out"]] == ["sql", "py"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    with sqlite3.connect(database["file"]) as connection:
        assert connection.execute("SELECT n, who FROM things ORDER BY n").fetchall() == [
            (1, "sql cell"), (2, "python cell")]
    assert not list(job.glob("*.sqlite")) and sorted(p.name for p in job.iterdir()) == [
        "10_create.sql", "20_load.ipynb", "config.ini"]
    log = server.api("GET", f"runs/{started.json['run_id']}/log")
    assert log.content_type.startswith("text/plain")
    assert database["message"] in log.text and "20_load.ipynb: finished" in log.text
    report = server.api("GET", f"runs/{started.json['run_id']}/report?notebook=20_load.ipynb")
    assert report.status == 200 and [c["id"] for c in report.json["cells"]][:3] == ["sql", "out", "py"]


def test_a_failing_run_names_the_failing_cell_and_its_report_shows_it(server, make_job):
    job = make_job(**{"20_fail__ipynb": [
        markdown("intro"), code("x = 1", cell_id="ok"), code("y = 2\nz = y / 0", cell_id="bad"),
        code("print('never')", cell_id="after")]})
    started = server.api("POST", "runs", {"path": relative(server, job)})
    result, events = server.wait_for_run(started.json["run_id"])
    assert result["status"] == "failed" and result["exit_code"] == 1
    cell = result["failed_cell"]
    assert cell["path"] == relative(server, job / "20_fail.ipynb")
    assert (cell["index"], cell["id"], cell["number"], cell["line"]) == (2, "bad", 2, 2)
    assert (cell["ename"], cell["evalue"]) == ("ZeroDivisionError", "division by zero")
    assert "What to do" in cell["message"]
    # The whole traceback travels in step_finished's error to the result, for "Full traceback".
    assert cell["traceback"].startswith("Traceback (most recent call last):")
    assert cell["traceback"].rstrip().endswith("ZeroDivisionError: division by zero")
    (finished,) = [e for e in events if e["type"] == "step_finished" and e["step"] == "20_fail.ipynb"]
    assert finished["error"]["traceback"] == cell["traceback"]
    assert result["failed_step"]["name"] == "20_fail.ipynb"
    assert result["message"] == ("Data job '{}' failed at 20_fail.ipynb, code cell 2, line 2: "
                                 "ZeroDivisionError: division by zero".format(job.name))
    assert "after" not in [e.get("id") for e in events if e["type"] == "cell_started"]
    (report,) = result["reports"]
    executed = server.api("GET", f"runs/{started.json['run_id']}/report?notebook={report['notebook']}").json
    bad = next(c for c in executed["cells"] if c.get("id") == "bad")
    assert bad["outputs"][0]["ename"] == "ZeroDivisionError"


def test_a_failing_sql_step_is_named_with_its_error(server, make_job):
    job = make_job(**{"20_nb__ipynb": [code("print(1)")]})
    (job / "10_broken.sql").write_text("SELEC nothing")
    result, _ = server.wait_for_run(server.api("POST", "runs", {"path": relative(server, job)}).json["run_id"])
    assert result["status"] == "failed" and result["failed_cell"] is None
    step = result["failed_step"]
    assert step["name"] == "10_broken.sql" and step["step_type"] == "sql"
    assert "syntax error" in step["error"]["evalue"]
    assert result["message"].startswith(f"Data job '{job.name}' failed at step 10_broken.sql: ")


def test_arguments_reach_the_job_unchanged_and_bad_ones_are_refused_before_anything_runs(
        server, make_job):
    job = make_job(**{"20_nb__ipynb": [
        code("who = 'nobody'", tags=["parameters"]),
        code("import pathlib\npathlib.Path(job_input.get_job_directory(), 'who.txt').write_text(who)"),
        # What the job starts (a nested `vdk run`, say) does not write into this run's events.
        code("import os\npathlib.Path(job_input.get_job_directory(), 'env.txt').write_text(\n"
             "    str(os.environ.get('VDK_NOTEBOOK_EVENTS_FILE')))")]})
    tricky = "O'Brien \"quoted\" $HOME `date` ; rm -rf /"
    for bad, kind in (([1, 2], "a list"), ("{\"who\": 1}", "a string"), (3, "a number")):
        refused = server.api("POST", "runs", {"path": relative(server, job), "arguments": bad})
        assert refused.status == 400 and f"not {kind}" in refused.json["message"], refused
    assert server.api("GET", f"runs?path={relative(server, job)}").json["runs"] == []
    started = server.api("POST", "runs", {"path": relative(server, job), "arguments": {"who": tricky}})
    result, _ = server.wait_for_run(started.json["run_id"])
    assert result["status"] == "succeeded", server.api("GET", f"runs/{started.json['run_id']}/log").text
    assert (job / "who.txt").read_text() == tricky
    assert (job / "env.txt").read_text() == "None"


def test_a_second_run_is_refused_and_a_stopped_run_still_writes_its_report(server, make_job):
    job = make_job(**{"20_slow__ipynb": [
        code("print('before')", cell_id="before"),
        code("import time\ntime.sleep(120)", cell_id="slow"), code("print('after')", cell_id="after")]})
    run_id = server.api("POST", "runs", {"path": relative(server, job)}).json["run_id"]
    again = server.api("POST", "runs", {"path": relative(server, job / "20_slow.ipynb")})
    assert again.status == 409 and "already running" in again.json["message"]
    seen: list[dict] = []
    while not any(e["type"] == "cell_started" and e["id"] == "slow" for e in seen):
        seen += server.api("GET", f"runs/{run_id}?after={seen[-1]['seq'] if seen else 0}").json["events"]
    begun = time.monotonic()
    assert server.api("POST", f"runs/{run_id}/stop").status == 202
    result, events = server.wait_for_run(run_id)
    assert time.monotonic() - begun < 10  # Ctrl-C ends the cell; no escalation needed
    assert result["status"] == "stopped" and result["exit_code"] != 0
    assert result["failed_cell"]["id"] == "slow" and result["failed_cell"]["status"] == "interrupted"
    assert result["message"] == f"Data job '{job.name}' was stopped at 20_slow.ipynb, code cell 2."
    executed = server.api("GET", f"runs/{run_id}/report?notebook=20_slow.ipynb").json
    statuses = {c.get("id"): c["metadata"].get("vdk", {}).get("status") for c in executed["cells"]}
    assert statuses["before"] == "ok" and statuses["slow"] == "interrupted"
    assert server.api("POST", f"runs/{run_id}/stop").status == 409
    listed = server.api("GET", f"runs?path={relative(server, job)}").json["runs"]
    assert [(r["run_id"], r["done"], r["status"]) for r in listed] == [(run_id, True, "stopped")]


def test_create_a_job_from_the_template(server):
    (server.root / "jobs").mkdir()
    before = sorted(p.relative_to(server.root) for p in server.root.rglob("*"))
    created = server.api("POST", "jobs", {"parent": "jobs", "name": "daily-sales"})
    assert created.status == 201, created
    folder = server.root / "jobs" / "daily-sales"
    assert created.json["job"]["path"] == "jobs/daily-sales"
    assert created.json["notebook"] == "jobs/daily-sales/10_notebook.ipynb"
    assert sorted(p.name for p in folder.iterdir()) == ["10_notebook.ipynb", "config.ini", "requirements.txt"]
    after = sorted(p.relative_to(server.root) for p in server.root.rglob("*"))
    assert set(after) - set(before) == {pathlib.Path("jobs/daily-sales") / n for n in (
        "", "10_notebook.ipynb", "config.ini", "requirements.txt")}
    nb = json.loads((folder / "10_notebook.ipynb").read_text())
    plan = server.api("POST", "plan", {"path": created.json["notebook"], "notebook": nb}).json
    assert plan["job"]["name"] == "daily-sales"
    assert [c["left_out"] for c in plan["cells"]] == [False, True]
    for name in ("a/b", "x\ny", "daily-sales\n", "..", "Daily", "", None, 5):
        refused = server.api("POST", "jobs", {"parent": "jobs", "name": name})
        assert refused.status == 400 and "not a valid data job name" in refused.json["message"], name
    taken = server.api("POST", "jobs", {"parent": "jobs", "name": "daily-sales"})
    assert taken.status == 409 and "already exists" in taken.json["message"]
    assert sorted(p.relative_to(server.root) for p in server.root.rglob("*")) == after


def test_requests_reaching_outside_the_root_or_malformed_get_a_clear_message_and_touch_nothing(
        server, make_job, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "config.ini").write_text(CONFIG)
    write(outside / "n.ipynb", [code("open('touched', 'w')")])
    (server.root / "escape").symlink_to(outside)
    nb = notebook([code("a = 1")])
    for path in ("../n.ipynb", str(outside / "n.ipynb"), "escape/n.ipynb", "a/../../n.ipynb"):
        for endpoint, body in (("plan", {"path": path, "notebook": nb}), ("runs", {"path": path}),
                               ("jobs", {"parent": path.rsplit("/", 1)[0], "name": "new-job"})):
            answer = server.api("POST", endpoint, body)
            assert answer.status == 403, (endpoint, path, answer)
            assert "server root" in answer.json["message"] and "Traceback" not in answer.text
    assert sorted(p.name for p in outside.iterdir()) == ["config.ini", "n.ipynb"]
    job = make_job()
    bad_bodies = [
        ("plan", b"{not json", "not valid JSON"),
        ("plan", json.dumps([1]).encode(), "must be a JSON object"),
        ("plan", json.dumps({"path": relative(server, job / "n.ipynb"), "notebook": {"cells": "x"}}).encode(),
         "'cells' list"),
        ("plan", json.dumps({"path": relative(server, job / "n.ipynb"),
                             "notebook": {"cells": [{"cell_type": "code", "source": 5}]}}).encode(),
         "source that is not text"),
        ("plan", json.dumps({"path": relative(server, job / "n.txt"), "notebook": nb}).encode(),
         "must name a notebook"),
        ("plan", json.dumps({"notebook": nb}).encode(), "'path' must be a string"),
        ("runs", json.dumps({"path": "nowhere"}).encode(), "There is no file or folder"),
        ("runs", json.dumps({"path": ""}).encode(), "is not a data job folder"),
        ("runs", json.dumps({"path": "loose-nb.ipynb"}).encode(), "not in a data job folder"),
    ]
    write(server.root / "loose-nb.ipynb", [code("a = 1")])
    for endpoint, raw, words in bad_bodies:
        answer = server.api("POST", endpoint, raw=raw)
        assert answer.status in (400, 404), (raw, answer)
        assert words in answer.json["message"] and "Traceback" not in answer.text, (raw, answer)
    assert server.api("GET", "runs/" + "0" * 32).status == 404
    assert server.api("GET", "runs/" + "0" * 32 + "/log").json["message"].startswith("There is no run")
    assert server.api("POST", "plan", {"path": "x.ipynb", "notebook": nb}, token=None).status == 403
    assert server.api("POST", "plan", {"path": "x.ipynb", "notebook": nb}, token="wrong").status == 403


def test_a_report_is_served_only_by_the_name_the_run_wrote(server, make_job):
    job = make_job(**{"20_nb__ipynb": [code("print(1)")]})
    run_id = server.api("POST", "runs", {"path": relative(server, job)}).json["run_id"]
    server.wait_for_run(run_id)
    for name in ("../20_nb.ipynb", "/etc/passwd", "other.ipynb", ""):
        answer = server.api("GET", f"runs/{run_id}/report?notebook={name}")
        assert answer.status == 404 and "reports of this run: 20_nb.ipynb" in answer.json["message"]


def test_a_job_that_names_its_database_is_never_overridden(server, make_job, tmp_path):
    own = tmp_path / "own.sqlite"
    job = make_job(config=CONFIG + f"[vdk]\ndb_default_type = SQLITE\nsqlite_file = {own}\n"
                   "ingest_method_default = sqlite\n", **{"20_nb__ipynb": [
                       code("job_input.execute_query('CREATE TABLE mine (n INTEGER)')")]})
    plan = server.api("POST", "plan", {"path": relative(server, job / "20_nb.ipynb"),
                                       "notebook": notebook([code("a = 1")])}).json
    assert plan["job"]["database"] == {"type": "SQLITE", "file": None, "default": False, "message": None,
                                       "label": f"SQLite file {own}"}
    run_id = server.api("POST", "runs", {"path": relative(server, job)}).json["run_id"]
    result, _ = server.wait_for_run(run_id)
    assert result["status"] == "succeeded", server.api("GET", f"runs/{run_id}/log").text
    with sqlite3.connect(own) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("mine",)]
    assert "No database is configured" not in server.api("GET", f"runs/{run_id}/log").text


def test_runs_still_going_when_the_server_stops_are_stopped_with_their_reports(tmp_path):
    server = JupyterServer(tmp_path / "own-server").start()
    job = server.root / "slow-job"
    job.mkdir()
    (job / "config.ini").write_text(CONFIG)
    write(job / "20_slow.ipynb", [code("import time\ntime.sleep(120)", cell_id="slow")])
    try:
        run_id = server.api("POST", "runs", {"path": "slow-job"}).json["run_id"]
        seen: list[dict] = []
        while not any(e["type"] == "cell_started" for e in seen):
            seen += server.api("GET", f"runs/{run_id}?after={seen[-1]['seq'] if seen else 0}").json["events"]
    finally:
        server.stop()  # SIGTERM, as a service manager or Ctrl-C stops it
    assert not [p for p in pathlib.Path("/proc").glob("[0-9]*/cmdline")
                if str(job).encode() in _read(p)], "vdk run outlived the server"
    (report,) = server.temp.glob("vdk-notebook-reports*/slow-job/*/20_slow.ipynb")
    cells = json.loads(report.read_text())["cells"]
    assert [c["metadata"]["vdk"]["status"] for c in cells if c.get("id") == "slow"] == ["interrupted"]


def _read(path: pathlib.Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_the_server_side_imports_neither_vdk_core_nor_ipython(tmp_path):
    """The plan is asked for on every edit: it must not pay for vdk-core or IPython."""
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "config.ini").write_text(CONFIG)
    script = (
        "import json, pathlib, sys\n"
        "import vdk.plugin.notebook.server.handlers\n"
        "from vdk.plugin.notebook.server.plan import plan\n"
        f"root = pathlib.Path({str(tmp_path)!r})\n"
        "nb = {'cells': [{'cell_type': 'code', 'source': '%%vdksql\\nSELECT 1', 'metadata': {}}]}\n"
        "answer = plan(root, {'path': 'job/n.ipynb', 'notebook': nb})\n"
        "print(answer['cells'][0]['sql'], sorted(m for m in sys.modules\n"
        "      if m.startswith(('vdk.internal', 'vdk.api', 'IPython'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True []"


def test_a_notebook_that_cannot_run_names_the_cell_or_the_file_before_any_cell_runs(server, make_job):
    job = make_job(**{"20_nb__ipynb": [code("a = 1", cell_id="fine"), code("if x\n  pass", cell_id="broken")]})
    (job / "30_bad.ipynb").write_text("{not a notebook")
    result, events = server.wait_for_run(server.api("POST", "runs", {"path": relative(server, job)}).json["run_id"])
    assert result["status"] == "failed" and not [e for e in events if e["type"] == "cell_started"]
    cell = result["failed_cell"]
    assert (cell["id"], cell["index"], cell["number"], cell["line"], cell["ename"]) == (
        "broken", 1, 2, 1, "SyntaxError"), cell
    (job / "20_nb.ipynb").unlink()
    result, _ = server.wait_for_run(server.api("POST", "runs", {"path": relative(server, job)}).json["run_id"])
    assert result["failed_cell"] is None and result["failed_step"]["name"] == "30_bad.ipynb"
    assert result["failed_step"]["error"]["traceback"] is None  # no cell raised: none to show
    assert "not valid JSON" in result["failed_step"]["error"]["evalue"] or \
        "JSON" in result["failed_step"]["error"]["message"], result["failed_step"]
    assert result["message"].startswith(f"Data job '{job.name}' failed at step 30_bad.ipynb: ")


def test_a_run_that_cannot_start_says_why_and_does_not_block_the_next(tmp_path, monkeypatch):
    import asyncio

    from vdk.plugin.notebook.server import runs as runs_module
    from vdk.plugin.notebook.server.paths import ApiError
    from vdk.plugin.notebook.server.paths import job_at

    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "config.ini").write_text(CONFIG)
    runs = runs_module.Runs(tmp_path)
    job = job_at(tmp_path, tmp_path / "job")
    monkeypatch.setattr(runs_module.Run, "argv", lambda self: [str(tmp_path / "no-such-vdk"), "run"])

    async def twice() -> list[str]:
        messages = []
        for _ in range(2):
            with pytest.raises(ApiError) as refused:
                await runs.start(job, None)
            messages.append(f"{refused.value.status} {refused.value.message}")
        return messages

    messages = asyncio.run(twice())
    assert all(m.startswith("500 vdk run could not be started: ") for m in messages), messages
    assert runs.list(job) == []


def test_repair_plan_and_a_repair_run_as_jupyterlab_asks_for_them(server, make_job):
    job = make_job(**{"20_model__ipynb": [
        code("import pathlib\nlimit = int(pathlib.Path(job_input.get_job_directory(), 'limit.txt').read_text())",
             cell_id="limit"),
        code("pathlib.Path(job_input.get_job_directory(), 'ran.txt').open('a').write('20 ')")]})
    (job / "10_first.py").write_text(
        "import pathlib\n\ndef run(job_input):\n"
        "    pathlib.Path(job_input.get_job_directory(), 'ran.txt').open('a').write('10 ')\n")
    path = relative(server, job)
    none_yet = server.api("POST", "repair-plan", {"path": path})
    assert none_yet.status == 409 and "has no local run on record" in none_yet.json["message"]
    refused = server.api("POST", "runs", {"path": path, "repair": {}})
    assert refused.status == 409 and "has no local run on record" in refused.json["message"]
    unknown = server.api("POST", "repair-plan", {"path": path, "repair": {"steps": ["nope.py"]}})
    assert unknown.status == 400 and "Its steps: 10_first.py, 20_model.ipynb." in unknown.json["message"]
    bad = server.api("POST", "runs", {"path": path, "repair": {"from_step": 3}})
    assert bad.status == 400 and "'repair.from_step'" in bad.json["message"]

    failed, _ = server.wait_for_run(server.api("POST", "runs", {"path": path}).json["run_id"])
    assert failed["status"] == "failed"
    (job / "limit.txt").write_text("3")
    plan = server.api("POST", "repair-plan", {"path": path}).json["plan"]
    assert [(s["name"], s["action"]) for s in plan["steps"]] == [("10_first.py", "skip"), ("20_model.ipynb", "run")]
    assert plan["steps"][1]["reason"].startswith("failed at code cell 1 in run ")
    started = server.api("POST", "runs", {"path": path, "repair": {}})
    assert started.status == 202, started
    result, events = server.wait_for_run(started.json["run_id"])
    assert result["status"] == "succeeded", server.api("GET", f"runs/{started.json['run_id']}/log").text
    assert (job / "ran.txt").read_text() == "10 20 "
    assert [e["step"] for e in events if e["type"] == "step_started"] == ["20_model.ipynb"]

    only, _ = server.wait_for_run(server.api(
        "POST", "runs", {"path": path, "repair": {"steps": ["10_first.py"]}}).json["run_id"])
    assert only["status"] == "succeeded" and (job / "ran.txt").read_text() == "10 20 10 "
