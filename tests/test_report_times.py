"""The executed notebook's cell times are written by a cheaper formatter than datetime's
(report._iso): to the microsecond what datetime writes, rounding included."""
from __future__ import annotations

import datetime
import math
import random
import time

from vdk.plugin.notebook.engine.report import _iso


def _datetime_iso(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def test_times_are_written_as_datetime_writes_them():
    rng = random.Random(11)
    now = time.time()
    second = math.floor(now)
    cases = [now, float(second), 0.0, 1e9 + 5e-7, -1.5e-7, -1.2345678, second + 0.9999995,
             second + 0.9999996, 1_700_000_000.9999999, 4_102_444_799.9999995]
    cases += [now + rng.uniform(-1e8, 1e8) for _ in range(20_000)]
    # Exactly half a microsecond past: datetime rounds half to even.
    cases += [second + (micro + 0.5) / 1e6 for micro in range(0, 1_000_000, 997)]
    cases += [now + k * 1e-6 for k in range(2_000)]  # in order, as cells run
    assert [c for c in cases if _iso(c) != _datetime_iso(c)] == []
