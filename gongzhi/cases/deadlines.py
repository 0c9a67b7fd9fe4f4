"""Deadlines of a case, in working time on the official calendar, per category and tier."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gongzhi.cases.models import FAR_FUTURE, Case, Category, Status, TimeLimit
from gongzhi.core import calendar


@dataclass(frozen=True)
class Limits:
    response_hours: int
    reply_days: int
    close_days: int


def limits_for(category: Category, tier: int | None) -> Limits:
    """The most specific limits: category+tier, then tier for all categories, then the category."""
    if tier:
        rows = {
            row.category_id: row
            for row in TimeLimit.objects.filter(tier=tier, category__in=[category.pk, None])
        }
        row = rows.get(category.pk) or rows.get(None)
        if row:
            return Limits(row.response_hours, row.reply_days, row.close_days)
    return Limits(category.response_hours, category.reply_days, category.close_days)


def set_response_due(case: Case, now: dt.datetime) -> None:
    limits = limits_for(case.category, case.tier)
    case.response_due = calendar.add_working_hours(now, limits.response_hours)


def set_handling_dues(case: Case, now: dt.datetime) -> None:
    limits = limits_for(case.category, case.tier)
    case.reply_due = calendar.add_working_days(now, limits.reply_days)
    case.close_due = calendar.add_working_days(now, limits.close_days)
    if case.close_due < case.reply_due:
        case.close_due = case.reply_due


def next_due_of(case: Case) -> dt.datetime:
    """The deadline the case is working towards now."""
    if case.status in (Status.REPORTED, Status.ACCEPTED) and case.responded_at is None:
        return case.response_due or FAR_FUTURE
    if case.status in (Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED):
        return case.reply_due or FAR_FUTURE
    if case.status in (Status.REPLIED, Status.VERIFIED):
        return case.close_due or FAR_FUTURE
    return FAR_FUTURE


def refresh_next_due(case: Case, now: dt.datetime) -> None:
    before = case.next_due
    case.next_due = next_due_of(case)
    if case.next_due != before:
        case.overdue = case.next_due < now
