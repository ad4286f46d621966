"""A run still going when the Jupyter server stops (a hub culls or restarts it, the user shuts it
down): it is stopped as Stop stops it, its report is written, and the next server says so."""
from __future__ import annotations

import time

import pytest

pytest.importorskip("jupyter_server", reason="the Jupyter server (the jupyter extra) is not installed")

from jupyter_server_process import JupyterServer
from notebooks import code
from notebooks import write


def test_a_run_going_when_the_server_stops_is_stopped_reported_and_said_at_next_start(tmp_path):
    server = JupyterServer(tmp_path).start()
    try:
        job = server.root / "slow-job"
        job.mkdir()
        (job / "config.ini").write_text("[owner]\nteam = t\n")
        write(job / "20_wait.ipynb", [code("import time", cell_id="imports"),
                                      code("time.sleep(120)", cell_id="slow")])
        answer = server.api("POST", "runs", {"path": "slow-job"})
        assert answer.status == 202, answer
        run_id = answer.json["run_id"]
        seen: list = []
        deadline = time.monotonic() + 60
        while not any(e["type"] == "cell_started" and e["id"] == "slow" for e in seen):
            assert time.monotonic() < deadline, seen
            seen += server.api("GET", f"runs/{run_id}?after={len(seen)}").json["events"]
    finally:
        server.stop()  # SIGTERM, as a hub stops a single-user server

    # Stopped as Stop stops it: the slow cell interrupted, the report written.
    reports = list(server.temp.glob("vdk-notebook-reports-*/slow-job/*/20_wait.ipynb"))
    assert len(reports) == 1, list(server.temp.rglob("*"))
    assert "KeyboardInterrupt" in reports[0].read_text()

    again = JupyterServer(tmp_path).start()  # the same home and root
    try:
        assert "was stopped when the server stopped" in again.log.read_text()
        answer = again.api("GET", "runs?path=slow-job").json
        assert answer["runs"] == []
        [interrupted] = answer["interrupted"]
        assert interrupted["run_id"] == run_id
        assert interrupted["job"]["path"] == "slow-job"
        assert interrupted["started"] < interrupted["stopped"]
        # Said once: a second look finds nothing more to say.
        assert again.api("GET", "runs?path=slow-job").json["interrupted"] == []
    finally:
        again.stop()
