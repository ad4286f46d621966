"""The job's cron schedule: refused before deploy with what is wrong, and its next run times."""
from __future__ import annotations

import datetime

import pytest

from vdk.plugin.notebook.deploy.schedule import ScheduleError
from vdk.plugin.notebook.deploy.schedule import next_runs
from vdk.plugin.notebook.deploy.schedule import parse

UTC = datetime.timezone.utc
MONDAY_NOON = datetime.datetime(2026, 12, 7, 12, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("cron, said", [
    ("0 5 * *", "'0 5 * *' has 4 fields; a cron schedule has five"),
    ("61 5 * * *", "In the minute field '61': 61 is out of range; a minute is 0-59."),
    ("0 24 * * *", "In the hour field '24': 24 is out of range; a hour is 0-23."),
    ("0 5 0 * *", "In the day of month field '0': 0 is out of range"),
    ("0 5 * 13 *", "In the month field '13': 13 is out of range"),
    ("0 5 * * funday", "In the day of week field 'funday': 'funday' is not a number or a name"),
    ("*/0 5 * * *", "In the minute field '*/0': the step after '/' must be a positive number."),
    ("0 9-5 * * *", "In the hour field '9-5': the range '9-5' runs backwards."),
])
def test_invalid_schedules_say_which_field_and_why(cron, said):
    with pytest.raises(ScheduleError) as error:
        parse(cron)
    assert str(error.value).startswith(said)


def test_next_runs_in_utc():
    daily = next_runs("0 5 * * *", MONDAY_NOON)
    assert [m.isoformat() for m in daily] == ["2026-12-08T05:00:00+00:00",
                                              "2026-12-09T05:00:00+00:00",
                                              "2026-12-10T05:00:00+00:00"]
    assert next_runs("*/20 12 * * *", MONDAY_NOON)[0].isoformat() == "2026-12-07T12:20:00+00:00"
    # Weekdays by name, Sunday as 0 or 7, and the either-day rule of cron.
    assert [m.day for m in next_runs("30 6 * * sat,7", MONDAY_NOON)] == [12, 13, 19]
    assert [m.day for m in next_runs("0 0 1 * mon", MONDAY_NOON)] == [14, 21, 28]
    assert next_runs("@monthly", MONDAY_NOON)[0].isoformat() == "2027-01-01T00:00:00+00:00"
    assert next_runs("0 0 31 2 *", MONDAY_NOON) == []  # never fires
    # August only: its first Monday comes before the 5th.
    assert next_runs("11 23 5 8 1", MONDAY_NOON)[0].date() == datetime.date(2027, 8, 2)


def test_deploy_refuses_an_invalid_schedule_before_uploading(tmp_path):
    pytest.importorskip("vdk.internal.control", reason="deploying needs the jupyter extra")
    from notebooks import code
    from test_deploy import deployable_job

    from vdk.plugin.notebook.deploy.job_package import PackageProblem
    from vdk.plugin.notebook.deploy.job_package import check_job

    job = deployable_job(tmp_path, [code("print(1)")])
    (job / "config.ini").write_text("[owner]\nteam = analytics\n\n[job]\nschedule_cron = "
                                    "0 25 * * *\n")
    with pytest.raises(PackageProblem) as problem:
        check_job(job)
    assert problem.value.kind == "schedule"
    assert str(problem.value) == (
        "The schedule in config.ini ([job] schedule_cron = 0 25 * * *) is not a valid cron "
        "schedule: In the hour field '25': 25 is out of range; a hour is 0-23. Correct it, or "
        "remove it to deploy without a schedule.")
