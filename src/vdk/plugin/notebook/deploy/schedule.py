"""A job's cron schedule (`[job] schedule_cron` of config.ini): checked before deploy, so that a
typo is refused here with what is wrong instead of by the Control Service after the upload, put
in words (few read cron at a glance), and its next run times, for showing in the user's own time
zone. The Control Service schedules in UTC with the standard five fields (minute hour
day-of-month month day-of-week)."""
from __future__ import annotations

import calendar
import configparser
import datetime
import pathlib
from typing import Any
from typing import NamedTuple
from typing import Optional

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))
_NAMES = {3: {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
          4: {d.lower(): (i + 1) % 7 for i, d in enumerate(calendar.day_abbr)}}
_MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
           "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
           "@hourly": "0 * * * *"}


# English names, not the locale's: the words match the rest of the UI.
_MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
# Up to this many run times a day are listed one by one ("at 05:00 and 17:30 UTC").
_LISTED_TIMES = 4


class ScheduleError(ValueError):
    """What is wrong with a schedule, in one sentence."""


def config_schedule(job_dir: pathlib.Path) -> Optional[str]:
    """`schedule_cron` of the job's config.ini [job] section; None where there is none."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(job_dir / "config.ini", encoding="utf-8")
    value = parser.get("job", "schedule_cron", fallback="").strip()
    return value or None


class Cron(NamedTuple):
    """A parsed schedule: the allowed values of each field, and which day fields are set (not
    `*`): where both are, cron runs on a day matching either."""

    minutes: set[int]
    hours: set[int]
    days: set[int]
    months: set[int]
    weekdays: set[int]  # Sunday is 0
    days_set: bool
    weekdays_set: bool


def parse(cron: str) -> Cron:
    """The schedule's fields; raises ScheduleError saying which field is wrong and why."""
    fields = _MACROS.get(cron.strip().lower(), cron).split()
    if len(fields) != 5:
        raise ScheduleError(
            f"{cron!r} has {len(fields)} field{'s' if len(fields) != 1 else ''}; a cron schedule "
            "has five: minute hour day-of-month month day-of-week, for example '0 5 * * *' "
            "(05:00 UTC every day).")
    return Cron(*(_field(value, index) for index, value in enumerate(fields)),
                days_set=fields[2] != "*", weekdays_set=fields[4] != "*")


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
        article = "an" if name == "hour" else "a"
        raise ScheduleError(f"In {where}: {number} is out of range; {article} {name} is "
                            f"{low}-{high}.")
    return number


def next_runs(cron: str, after: datetime.datetime, count: int = 3) -> list[datetime.datetime]:
    """The next `count` run times (UTC) after `after`; empty for a schedule that never fires
    (31 February)."""
    minutes, hours, days, months, weekdays, days_set, weekdays_set = parse(cron)
    either = days_set and weekdays_set  # standard cron: a day matching either one runs
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


def summary(cron: Optional[str], after: datetime.datetime) -> Optional[dict[str, Any]]:
    """The schedule as the UI shows it: the cron text, its words and the next three run times
    (UTC, ISO 8601), or `problem` where it is not valid. None for no schedule."""
    if not cron:
        return None
    try:
        return {"cron": cron, "words": describe(cron), "problem": None,
                "next": [moment.isoformat() for moment in next_runs(cron, after)]}
    except ScheduleError as e:
        return {"cron": cron, "words": None, "problem": str(e), "next": []}


def describe(cron: str) -> str:
    """The schedule in words, times in UTC: 'at 05:00 UTC every day', 'every 15 minutes on
    Monday to Friday'. Raises ScheduleError for an invalid one."""
    schedule = parse(cron)
    times = _times(schedule.minutes, schedule.hours)
    # "every 15 minutes every day" says nothing "every 15 minutes" does not.
    return times + _days(schedule, times.startswith("every "))


def _times(minutes: set[int], hours: set[int]) -> str:
    every_hour = len(hours) == 24
    step = _step(minutes, 60)
    if every_hour:
        if len(minutes) == 60:
            return "every minute"
        if step:
            return f"every {step} minutes"
        if minutes == {0}:
            return "every hour"
        return f"every hour at minute{'s' if len(minutes) > 1 else ''} {_listed(minutes, str)}"
    if len(minutes) * len(hours) <= _LISTED_TIMES:
        times = [f"{h:02d}:{m:02d}" for h in sorted(hours) for m in sorted(minutes)]
        return f"at {_joined(times)} UTC"
    if len(minutes) == 60:
        within = "every minute"
    elif step:
        within = f"every {step} minutes"
    else:
        within = f"at minute{'s' if len(minutes) > 1 else ''} {_listed(minutes, str)}"
    hour_step = _step(hours, 24)
    if hour_step and len(minutes) == 1:
        minute = next(iter(minutes))
        return f"every {hour_step} hours" + (f" at minute {minute}" if minute else "")
    runs = _runs(hours)
    if len(runs) == 1 and runs[0][0] != runs[0][1]:
        first, last = runs[0]
        return f"{within} from {first:02d}:00 to {last:02d}:59 UTC"
    return f"{within} during hour{'s' if len(hours) > 1 else ''} " \
           f"{_listed(hours, lambda h: f'{h:02d}')} UTC"


def _days(schedule: Cron, frequent: bool) -> str:
    days, months, weekdays = schedule.days, schedule.months, schedule.weekdays
    in_months = "" if len(months) == 12 else f" in {_listed(months, _MONTH_NAMES.__getitem__)}"
    on_weekdays = "on weekdays" if weekdays == {1, 2, 3, 4, 5} else \
        f"on {_listed(weekdays, lambda day: _DAY_NAMES[day] + 's', week=True)}"
    on_days = f"on day{'s' if len(days) > 1 else ''} {_listed(days, str)} of " + \
        (f"{_listed(months, _MONTH_NAMES.__getitem__)}" if in_months else "every month")
    if schedule.days_set and schedule.weekdays_set:  # cron runs on a day matching either
        return f" {on_days} and {on_weekdays}{in_months}"
    if schedule.days_set:
        return f" {on_days}"
    if schedule.weekdays_set:
        return f" {on_weekdays}{in_months}"
    return in_months if frequent else f" every day{in_months}"


def _step(values: set[int], size: int) -> Optional[int]:
    """n where the values are 0, n, 2n, ... (n > 1 dividing `size`), else None."""
    ordered = sorted(values)
    if len(ordered) < 2 or ordered[0] != 0:
        return None
    step = ordered[1]
    return step if size % step == 0 and ordered == list(range(0, size, step)) else None


def _runs(values: set[int]) -> list[tuple[int, int]]:
    """The values as runs of consecutive numbers, first and last of each."""
    runs: list[tuple[int, int]] = []
    for value in sorted(values):
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _listed(values: set[int], name: Any, week: bool = False) -> str:
    """'1, 15 and 20', with three or more consecutive values as a range: 'Tuesday to Friday'.
    A week starts on Monday there, so Saturday and Sunday read as a weekend, not a range."""
    ordered = sorted(values, key=lambda day: (day - 1) % 7) if week else sorted(values)
    parts, run = [], [ordered[0]]
    for value in ordered[1:]:
        following = (run[-1] % 7) + 1 if week else run[-1] + 1
        if value == following:
            run.append(value)
        else:
            parts.append(run)
            run = [value]
    parts.append(run)
    words = []
    for run in parts:
        if len(run) >= 3:
            words.append(f"{name(run[0]).rstrip('s')} to {name(run[-1]).rstrip('s')}"
                         if week else f"{name(run[0])} to {name(run[-1])}")
        else:
            words.extend(name(value) for value in run)
    return _joined(words)


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
