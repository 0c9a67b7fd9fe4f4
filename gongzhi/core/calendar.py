"""Working time on the official Chinese calendar.

A working day is Monday–Friday unless the State Council's schedule says otherwise (holidays,
make-up working days on weekends). The schedule lives in the database (`CalendarDay`,
`CalendarYear`), seeded from the `chinese-calendar` package and extended by administrators.
Working hours run from GONGZHI_WORKDAY_START to GONGZHI_WORKDAY_END (09:00–17:00 by default).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

_CACHE_SECONDS = 300
_lock = threading.Lock()
# "loaded" is None until the schedule is read: monotonic() counts from boot, so a sentinel of 0.0
# would look fresh for the first five minutes after a machine starts.
_cache: dict = {"loaded": None, "days": {}, "years": set()}


def _workday_bounds() -> tuple[dt.time, dt.time]:
    start = getattr(settings, "GONGZHI_WORKDAY_START", dt.time(9, 0))
    end = getattr(settings, "GONGZHI_WORKDAY_END", dt.time(17, 0))
    return start, end


def hours_per_day() -> float:
    start, end = _workday_bounds()
    return (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)).seconds / 3600


def invalidate() -> None:
    """Forget the cached schedule (called when an administrator edits it)."""
    with _lock:
        _cache["loaded"] = None


def _schedule() -> tuple[dict[dt.date, bool], set[int]]:
    from gongzhi.core.models import CalendarDay, CalendarYear

    with _lock:
        loaded = _cache["loaded"]
        if loaded is None or time.monotonic() - loaded > _CACHE_SECONDS:
            _cache["days"] = dict(CalendarDay.objects.values_list("date", "is_workday"))
            _cache["years"] = set(CalendarYear.objects.values_list("year", flat=True))
            _cache["loaded"] = time.monotonic()
        return _cache["days"], _cache["years"]


def is_workday(day: dt.date) -> bool:
    days, _years = _schedule()
    if day in days:
        return days[day]
    return day.weekday() < 5


def known_years() -> set[int]:
    return set(_schedule()[1])


def missing_years(today: dt.date | None = None) -> list[int]:
    """Years that deadlines may fall in (this one and the next) with no official schedule loaded."""
    today = today or timezone.localdate()
    years = known_years()
    return [y for y in (today.year, today.year + 1) if y not in years]


def next_workday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def _align(moment: dt.datetime) -> dt.datetime:
    """The first working instant at or after `moment` (local time)."""
    start, end = _workday_bounds()
    day = moment.date()
    if is_workday(day):
        if moment.time() < start:
            return moment.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
        if moment.time() < end:
            return moment
    day = next_workday(day)
    return dt.datetime.combine(day, start, tzinfo=moment.tzinfo)


def add_working_hours(moment: dt.datetime, hours: float) -> dt.datetime:
    """The instant `hours` working hours after `moment`."""
    tz = timezone.get_default_timezone()
    current = _align(timezone.localtime(moment, tz))
    remaining = dt.timedelta(hours=hours)
    _start, end = _workday_bounds()
    while True:
        day_end = current.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if current + remaining <= day_end:
            return current + remaining
        remaining -= day_end - current
        current = _align(day_end)


def add_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The end of the `days`-th working day after `moment` counts `days` working days."""
    return add_working_hours(moment, days * hours_per_day())


def working_hours_between(begin: dt.datetime, finish: dt.datetime) -> float:
    """Working hours elapsed from `begin` to `finish` (0 if finish is earlier)."""
    if finish <= begin:
        return 0.0
    tz = timezone.get_default_timezone()
    current = _align(timezone.localtime(begin, tz))
    finish = timezone.localtime(finish, tz)
    _start, end = _workday_bounds()
    total = dt.timedelta()
    while current < finish:
        day_end = current.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        total += min(day_end, finish) - current
        current = _align(day_end)
    return total.total_seconds() / 3600


@dataclass(frozen=True)
class ScheduleRow:
    date: dt.date
    is_workday: bool
    name: str


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def rows_from_chinese_calendar() -> tuple[list[ScheduleRow], set[int]]:
    """The official schedule as published in the `chinese-calendar` package."""
    from chinese_calendar import constants

    rows = [ScheduleRow(d, False, HOLIDAY_NAMES.get(n, n)) for d, n in constants.holidays.items()]
    rows += [
        ScheduleRow(d, True, "调休上班·" + HOLIDAY_NAMES.get(n, n)) for d, n in constants.workdays.items()
    ]
    years = {r.date.year for r in rows}
    return rows, years
