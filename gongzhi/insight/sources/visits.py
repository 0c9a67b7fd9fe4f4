"""What visits contribute: the week's visits and campaign coverage, and a received visit as an
interaction of the index."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q

from gongzhi.insight.providers import (
    Figure,
    IndexContext,
    Interaction,
    Provider,
    ReportContext,
    Section,
    Table,
    register,
)
from gongzhi.registry.models import Household, Resident
from gongzhi.visits.models import Campaign, Target, Visit


def report_section(ctx: ReportContext) -> Section:
    visits = Visit.objects.filter(area__path__startswith=ctx.grid.path)
    week = visits.filter(visited_on__gte=ctx.start, visited_on__lt=ctx.end)
    totals = week.aggregate(
        n=Count("id"),
        households=Count("household", distinct=True),
        organizations=Count("organization", distinct=True),
    )
    raised = Visit.cases.through.objects.filter(visit__in=week.values("pk")).count()
    figures = [
        Figure("visits", "本周走访", totals["n"]),
        Figure("households", "走访户数", totals["households"]),
        Figure("organizations", "走访单位", totals["organizations"]),
        Figure("raised", "走访发起工单", raised),
    ]
    ancestors = [int(x) for x in ctx.grid.path.strip("/").split("/") if x]
    campaigns = list(
        Campaign.objects.filter(
            Q(area__path__startswith=ctx.grid.path) | Q(area_id__in=ancestors),
            starts_on__lt=ctx.end,
            ends_on__gte=ctx.start,
        ).order_by("ends_on", "id")[:10]
    )
    rows = []
    if campaigns:
        living = Resident.objects.filter(household=OuterRef("pk"), moved_out_on__isnull=True)
        occupied = Household.objects.filter(area__path__startswith=ctx.grid.path).filter(Exists(living))
        total = occupied.count()
        for campaign in campaigns:
            if campaign.target == Target.ORGANIZATIONS:
                continue
            seen = (
                visits.filter(
                    visited_on__range=(campaign.starts_on, campaign.ends_on), household__isnull=False
                )
                .values("household_id")
                .distinct()
                .count()
            )
            share = f"{100 * seen / total:.0f}%" if total else "—"
            rows.append(
                [campaign.name, f"{campaign.starts_on:%m-%d}–{campaign.ends_on:%m-%d}", seen, total, share]
            )
    tables = [Table("走访任务覆盖", ["任务", "期间", "已走访户", "应走访户", "覆盖率"], rows)] if rows else []
    return Section("visits", "走访与走访任务", figures, tables)


def interactions(ctx: IndexContext) -> Iterable[Interaction]:
    rows = (
        Visit.objects.filter(
            subdistrict=ctx.subdistrict,
            visited_on__gte=ctx.start.date(),
            visited_on__lt=ctx.end.date(),
            household__isnull=False,
        )
        .values("area_id", "household_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        yield Interaction("visit", row["area_id"], row["n"], row["household_id"])


register(
    Provider(
        label="visits",
        requires=("visits.Visit",),
        report_section=report_section,
        interactions=interactions,
        order=20,
    )
)
