"""The job's cron schedule: refused before deploy with what is wrong, and its next run times."""
from __future__ import annotations

import datetime

import pytest

from vdk.plugin.notebook.deploy.schedule import ScheduleError
from vdk.plugin.notebook.deploy.schedule import describe
from vdk.plugin.notebook.deploy.schedule import next_runs
from vdk.plugin.notebook.deploy.schedule import parse
from vdk.plugin.notebook.deploy.schedule import summary

UTC = datetime.timezone.utc
MONDAY_NOON = datetime.datetime(2026, 12, 7, 12, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("cron, said", [
    ("0 5 * *", "'0 5 * *' has 4 fields; a cron schedule has five"),
    ("61 5 * * *", "In the minute field '61': 61 is out of range; a minute is 0-59."),
    ("0 24 * * *", "In the hour field '24': 24 is out of range; an hour is 0-23."),
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


@pytest.mark.parametrize("cron, words", [
    ("0 5 * * *", "at 05:00 UTC every day"),
    ("@daily", "at 00:00 UTC every day"),
    ("30 6 * * sat,sun", "at 06:30 UTC on Saturdays and Sundays"),
    ("0 9 * * 1-5", "at 09:00 UTC on weekdays"),
    ("0 8 * * 2-4", "at 08:00 UTC on Tuesday to Thursday"),
    ("0 0 * * 0,7", "at 00:00 UTC on Sundays"),
    ("0 5,17 * * *", "at 05:00 and 17:00 UTC every day"),
    ("0 */6 * * *", "at 00:00, 06:00, 12:00 and 18:00 UTC every day"),
    ("0 0 1,15 * *", "at 00:00 UTC on days 1 and 15 of every month"),
    ("@yearly", "at 00:00 UTC on day 1 of January"),
    ("0 6 * 1-3 *", "at 06:00 UTC every day in January to March"),
    ("11 23 5 8 1", "at 23:11 UTC on day 5 of August and on Mondays in August"),
    ("* * * * *", "every minute"),
    ("*/15 * * * *", "every 15 minutes"),
    ("0,30 * * * *", "every 30 minutes"),
    ("@hourly", "every hour"),
    ("30 * * * *", "every hour at minute 30"),
    ("5,35,50 * * * *", "every hour at minutes 5, 35 and 50"),
    ("15 */2 * * *", "every 2 hours at minute 15"),
    ("*/5 * * 6 *", "every 5 minutes in June"),
    ("*/10 9-17 * * mon-fri", "every 10 minutes from 09:00 to 17:59 UTC on weekdays"),
    ("0,15,30,45 8,12 * * *", "every 15 minutes during hours 08 and 12 UTC"),
])
def test_schedules_in_words(cron, words):
    assert describe(cron) == words


def test_summary_for_the_ui():
    assert summary(None, MONDAY_NOON) is None
    assert summary("0 5 * * *", MONDAY_NOON) == {
        "cron": "0 5 * * *", "words": "at 05:00 UTC every day", "problem": None,
        "next": ["2026-12-08T05:00:00+00:00", "2026-12-09T05:00:00+00:00",
                 "2026-12-10T05:00:00+00:00"]}
    assert summary("0 0 31 2 *", MONDAY_NOON)["next"] == []  # valid, never runs
    broken = summary("0 5 * *", MONDAY_NOON)
    assert (broken["words"], broken["next"]) == (None, [])
    assert broken["problem"].startswith("'0 5 * *' has 4 fields")


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
        "schedule: In the hour field '25': 25 is out of range; an hour is 0-23. Correct it, or "
        "remove it to deploy without a schedule.")
