"""Local calendar periods as aware datetimes."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return start_of(first), start_of(after)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
