"""What volunteers contribute: the hours served in the grid in the weekly report, and volunteer
hours as interactions of the index (by the volunteer's household where known)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Sum

from gongzhi.insight.households import attributed, resident_fields
from gongzhi.insight.periods import start_of
from gongzhi.insight.providers import (
    Figure,
    IndexContext,
    Interaction,
    Provider,
    ReportContext,
    Section,
    register,
)
from gongzhi.territory.scope import scope_filter
from gongzhi.volunteers.models import ServiceRecord


def hours(value) -> float:
    return round(float(value or 0), 2)


def report_section(ctx: ReportContext) -> Section:
    start, end = start_of(ctx.start), start_of(ctx.end)
    until = min(ctx.now, end)
    served = (
        ServiceRecord.objects.filter(subdistrict_id=ctx.grid.subdistrict_id)
        .filter(scope_filter(ctx.grid))
        .filter(started_at__gte=start, started_at__lt=until)
        .aggregate(hours=Sum("hours"), records=Count("id"), volunteers=Count("volunteer", distinct=True))
    )
    figures = [
        Figure("volunteer_hours", "本周志愿服务时长（小时）", hours(served["hours"])),
        Figure("volunteer_records", "服务记录", served["records"]),
        Figure("volunteers", "参与志愿者", served["volunteers"]),
    ]
    return Section("volunteers", "志愿服务", figures)


def interactions(ctx: IndexContext) -> Iterable[Interaction]:
    """Hours served in the month (by start), counted where the volunteer lives: the household's
    area when the volunteer is a registered resident (linked, or by the registry's phone hash),
    otherwise the neighbourhood the volunteer reported to."""
    rows = list(
        ServiceRecord.objects.filter(
            volunteer__subdistrict=ctx.subdistrict, started_at__gte=ctx.start, started_at__lt=ctx.end
        )
        .values(*resident_fields("volunteer"))
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    for row, household, area in attributed(ctx.subdistrict.pk, rows, "volunteer"):
        yield Interaction("volunteer_hour", area, hours(row["hours"]), household)


register(
    Provider(
        label="volunteers",
        requires=("volunteers.ServiceRecord",),
        report_section=report_section,
        interactions=interactions,
        order=50,
    )
)
