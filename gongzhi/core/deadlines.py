"""Due dates for any model: in working days or hours on the official calendar, or in calendar
days (a daily check-in of an elder is due on holidays too)."""

from __future__ import annotations

import datetime as dt

from gongzhi.core import calendar


def due(start: dt.datetime, *, days: int = 0, hours: float = 0, working: bool = True) -> dt.datetime:
    """`start` plus `days` and `hours`: on the working calendar when `working`, else plain time."""
    if days < 0 or hours < 0:
        raise ValueError("a time limit cannot be negative")
    if not working:
        return start + dt.timedelta(days=days, hours=hours)
    moment = start
    if days:
        moment = calendar.add_working_days(moment, days)
    if hours:
        moment = calendar.add_working_hours(moment, hours)
    return moment


def is_overdue(due_at: dt.datetime | None, now: dt.datetime) -> bool:
    return due_at is not None and now > due_at
