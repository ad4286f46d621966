"""A job's cron schedule (`[job] schedule_cron` of config.ini): checked before deploy, so that a
typo is refused here with what is wrong instead of by the Control Service after the upload, and
its next run times, for showing in the user's own time zone. The Control Service schedules in
UTC with the standard five fields (minute hour day-of-month month day-of-week)."""
from __future__ import annotations

import calendar
import configparser
import datetime
import pathlib
from typing import Optional

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))
_NAMES = {3: {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
          4: {d.lower(): (i + 1) % 7 for i, d in enumerate(calendar.day_abbr)}}
_MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
           "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
           "@hourly": "0 * * * *"}


class ScheduleError(ValueError):
    """What is wrong with a schedule, in one sentence."""


def config_schedule(job_dir: pathlib.Path) -> Optional[str]:
    """`schedule_cron` of the job's config.ini [job] section; None where there is none."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(job_dir / "config.ini", encoding="utf-8")
    value = parser.get("job", "schedule_cron", fallback="").strip()
    return value or None


def parse(cron: str) -> list[set[int]]:
    """The allowed values of each of the five fields; raises ScheduleError saying which field
    is wrong and why."""
    text = _MACROS.get(cron.strip().lower(), cron)
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"{cron!r} has {len(fields)} field{'s' if len(fields) != 1 else ''}; a cron schedule "
            "has five: minute hour day-of-month month day-of-week, for example '0 5 * * *' "
            "(05:00 UTC every day).")
    return [_field(value, index) for index, value in enumerate(fields)]


def _field(text: str, index: int) -> set[int]:
    name, low, high = _FIELDS[index]
    values: set[int] = set()
    for part in text.split(","):
        where = f"the {name} field {text!r}"
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"In {where}: the step after '/' must be a positive number.")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        else:
            first, dash, last = body.partition("-")
            start = _value(first, index, where)
            end = _value(last, index, where) if dash else (high if step_text else start)
            if end < start:
                raise ScheduleError(f"In {where}: the range {body!r} runs backwards.")
        values.update(range(start, end + 1, step))
    if index == 4 and 7 in values:  # Sunday is 0 and 7
        values = (values - {7}) | {0}
    return values


def _value(text: str, index: int, where: str) -> int:
    name, low, high = _FIELDS[index]
    number = _NAMES.get(index, {}).get(text.lower())
    if number is None:
        if not text.isdigit():
            raise ScheduleError(f"In {where}: {text!r} is not a number"
                                + (" or a name such as 'mon'" if index in _NAMES else "") + ".")
        number = int(text)
    if not low <= number <= high:
        raise ScheduleError(f"In {where}: {number} is out of range; a {name} is {low}-{high}.")
    return number


def next_runs(cron: str, after: datetime.datetime, count: int = 3) -> list[datetime.datetime]:
    """The next `count` run times (UTC) after `after`; empty for a schedule that never fires
    (31 February)."""
    minutes, hours, days, months, weekdays = parse(cron)
    fields = cron.strip().lower()
    fields = _MACROS.get(fields, fields).split()
    # Standard cron: when both day fields are restricted, a day matching either one runs.
    either = fields[2] != "*" and fields[4] != "*"
    after = after.astimezone(datetime.timezone.utc).replace(second=0, microsecond=0)
    found: list[datetime.datetime] = []
    day = after.date()
    for _ in range(366 * 5):
        weekday = (day.weekday() + 1) % 7  # cron: Sunday is 0
        by_month_day, by_week_day = day.day in days, weekday in weekdays
        if day.month in months and ((by_month_day or by_week_day) if either
                                    else (by_month_day and by_week_day)):
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    moment = datetime.datetime(day.year, day.month, day.day, hour, minute,
                                               tzinfo=datetime.timezone.utc)
                    if moment > after:
                        found.append(moment)
                        if len(found) == count:
                            return found
        day += datetime.timedelta(days=1)
    return found
