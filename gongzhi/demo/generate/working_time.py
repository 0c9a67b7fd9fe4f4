"""Deadlines in constant time for the generator."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gongzhi.core import calendar


class WorkingTime:
    """`calendar.add_working_hours` in constant time, for millions of deadlines: the working days
    of the period are listed once, then a deadline is an index step and a remainder."""

    def __init__(self, first: dt.date, last: dt.date):
        self.tz = timezone.get_default_timezone()
        self.start, self.end = calendar._workday_bounds()
        self.day_length = dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(
            dt.date.min, self.start
        )
        self.first = first - dt.timedelta(days=7)
        span = (last - self.first).days + 400
        all_days = [self.first + dt.timedelta(days=i) for i in range(span)]
        self.days = [d for d in all_days if calendar.is_workday(d)]
        # For every calendar day: the index of the first working day on or after it.
        self.next_index: list[int] = []
        j = 0
        for d in all_days:
            while j < len(self.days) and self.days[j] < d:
                j += 1
            self.next_index.append(j)

    def add_hours(self, moment: dt.datetime, hours: float) -> dt.datetime:
        local = moment.astimezone(self.tz)
        day = local.date()
        i = self.next_index[(day - self.first).days]
        day_start = dt.datetime.combine(day, self.start, tzinfo=self.tz)
        if i < len(self.days) and self.days[i] == day and local < day_start + self.day_length:
            offset = max(local - day_start, dt.timedelta())
        else:
            if i < len(self.days) and self.days[i] == day:
                i += 1
            offset = dt.timedelta()
        total = offset + dt.timedelta(hours=hours)
        k, rest = divmod(total, self.day_length)
        if not rest and k > 0:  # exactly at a day's end stays on that day, as the calendar does
            k, rest = k - 1, self.day_length
        return dt.datetime.combine(self.days[i + k], self.start, tzinfo=self.tz) + rest

    def add_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        return self.add_hours(moment, days * self.day_length.total_seconds() / 3600)
