"""Benchmark of the JupyterLab server API: what a user waits for in JupyterLab, against a baseline
measured in the same run.

    .venv/bin/python benchmarks/jupyter_server.py [--runs 7] [--plans 100]

(a) `POST plan` for a 50-cell notebook (what the cell markers wait for after a tag or source
    change), against `GET api/status` on the same server (the HTTP round trip alone);
(b) `POST runs` until the result is available (the long poll returns it), against `vdk run` of
    the same job from a shell with the same environment, interleaved.
Starts a real `jupyter server` on 127.0.0.1 with a token in a temporary folder; stops it at the end.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from jupyter_server_process import JupyterServer  # noqa: E402
from notebooks import code  # noqa: E402
from notebooks import markdown  # noqa: E402
from notebooks import notebook  # noqa: E402
from notebooks import write  # noqa: E402

from vdk.plugin.notebook.job.local_database import local_database  # noqa: E402


class QuietServer(JupyterServer):
    def environment(self) -> dict[str, str]:
        env = super().environment()
        env["VDK_VERSION_CHECK_DISABLED"] = "true"  # no PyPI request at the end of each run
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return env


def fifty_cells() -> dict:
    cells = []
    for i in range(50):
        if i % 10 == 3:
            cells.append(code(f"plot({i})", tags=["non-vdk"]))
        elif i % 10 == 6:
            cells.append(code(f"%%vdksql\nSELECT {i}"))
        else:
            cells.append(code(f"x{i} = {i}\nprint(x{i})"))
        if i % 5 == 0:
            cells.append(markdown(f"## part {i}"))
    return notebook(cells)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--plans", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = QuietServer(pathlib.Path(folder)).start()
        try:
            report(server, args)
        finally:
            server.stop()


def report(server: JupyterServer, args: argparse.Namespace) -> None:
    job = server.root / "bench-job"
    job.mkdir()
    (job / "config.ini").write_text("[owner]\nteam = t\n")
    (job / "10_create.sql").write_text("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    write(job / "20_load.ipynb", [code("%%vdksql\nINSERT INTO t VALUES (1)"),
                                  code("total = sum(range(1000))\nprint(total)")])
    big = fifty_cells()
    body = {"path": "bench-job/20_load.ipynb", "notebook": big}
    for _ in range(5):  # warm up both
        server.api("POST", "plan", body)
        server.request("GET", "api/status")
    plans, statuses = [], []
    for _ in range(args.plans):
        plans.append(timed(lambda: server.api("POST", "plan", body)))
        statuses.append(timed(lambda: server.request("GET", "api/status")))
    plan_ms, status_ms = statistics.median(plans) * 1000, statistics.median(statuses) * 1000
    from vdk.plugin.notebook.server.plan import plan

    inside = statistics.median(timed(lambda: plan(server.root.resolve(), body)) for _ in range(args.plans))
    print(f"(a) POST plan, 50-cell notebook: median {plan_ms:.1f} ms (95th percentile "
          f"{sorted(plans)[int(len(plans) * 0.95) - 1] * 1000:.1f} ms, max {max(plans) * 1000:.1f} ms) "
          f"over {args.plans}; GET api/status {status_ms:.1f} ms; plan - status {plan_ms - status_ms:+.1f} ms; "
          f"the plan itself, in process, {inside * 1000:.2f} ms (target: under 100 ms end to end)")

    env = server.environment()
    env.update(local_database(job, env).environment())
    vdk = pathlib.Path(sys.executable).with_name("vdk")

    def shell_run() -> None:
        done = subprocess.run([str(vdk), "run", str(job)], env=env, cwd=server.root,
                              capture_output=True)
        assert done.returncode == 0, done.stdout[-2000:]

    def server_run() -> None:
        run_id = server.api("POST", "runs", {"path": "bench-job"}).json["run_id"]
        result, _ = server.wait_for_run(run_id)
        assert result["status"] == "succeeded", result

    shell_run(), server_run()  # warm up
    shell, served = [], []
    for i in range(args.runs):
        pair = [(shell, shell_run), (served, server_run)]
        for into, function in (pair if i % 2 == 0 else reversed(pair)):
            into.append(timed(function))
    a, b = statistics.median(shell), statistics.median(served)
    print(f"(b) job run, {args.runs} interleaved runs: vdk run from a shell median {a:.3f} s; "
          f"POST runs -> result {b:.3f} s; difference {b - a:+.3f} s, ratio {b / a:.2f} "
          f"(target: within 0.5 s)")


if __name__ == "__main__":
    main()
