"""The README's example job, run the way a user runs it: the installed `vdk` in a subprocess."""
from __future__ import annotations

import os
import pathlib
import sqlite3
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).parent.parent / "examples" / "orders-job"


def test_example_job_lands_daily_revenue(tmp_path):
    db = tmp_path / "example.sqlite"
    env = dict(
        os.environ,
        VDK_DB_DEFAULT_TYPE="SQLITE",
        VDK_SQLITE_FILE=str(db),
        VDK_INGEST_METHOD_DEFAULT="sqlite",
    )
    before = {p.name: p.read_bytes() for p in EXAMPLE.iterdir()}
    vdk = pathlib.Path(sys.executable).parent / "vdk"
    result = subprocess.run(
        [str(vdk), "run", str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "20_daily_revenue.ipynb - SUCCESS" in output
    assert "6 orders read" in output
    assert "20_daily_revenue.ipynb: running code cell 2" not in output  # the non-vdk cell

    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT day, revenue, orders FROM daily_revenue ORDER BY day")
        assert rows.fetchall() == [
            ("2026-11-23", 52.5, 2),
            ("2026-11-24", 82.24, 3),
            ("2026-11-25", 9.99, 1),
        ]
        assert connection.execute("SELECT day FROM best_day").fetchall() == [("2026-11-24",)]
    assert {p.name: p.read_bytes() for p in EXAMPLE.iterdir()} == before
