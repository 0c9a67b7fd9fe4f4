"""What the case loop contributes: the weekly report's case section, reports and ratings as
interactions of the index, and the cockpit's case figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db.models import Count
from django.urls import reverse

from gongzhi.cases import metrics
from gongzhi.cases.models import OPEN_STATUSES, Action, Case, CaseEvent, Consultation, Source, Tier
from gongzhi.insight.households import households_by_phone
from gongzhi.insight.periods import pct, start_of
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
from gongzhi.territory.scope import scope_filter

# Sources through which a resident (not staff) raised the case: these count as interactions.
RESIDENT_SOURCES = [Source.WEB, Source.HOTLINE, Source.LISTENING, Source.SUGGESTION, Source.OPEN311]
TIER_LABELS = {**{t.value: str(t.label) for t in Tier}, None: "未分级"}
LIST_LIMIT = 15


def case_url(number: str) -> str:
    return reverse("cases:detail", args=[number])


def report_section(ctx: ReportContext) -> Section:
    start, end = start_of(ctx.start), start_of(ctx.end)
    until = min(ctx.now, end)
    cases = Case.objects.filter(subdistrict_id=ctx.grid.subdistrict_id).filter(scope_filter(ctx.grid))
    by_tier: dict[int | None, Counter] = defaultdict(Counter)
    for row in (
        cases.filter(created_at__gte=start, created_at__lt=until)
        .values("tier")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_tier[row["tier"]]["new"] += row["n"]
    for row in (
        cases.filter(closed_at__gte=start, closed_at__lt=until, status__in=["closed", "rated"])
        .values("tier")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_tier[row["tier"]]["closed"] += row["n"]
    for row in (
        cases.filter(status__in=OPEN_STATUSES, next_due__lt=until)
        .values("tier")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_tier[row["tier"]]["overdue"] += row["n"]
    for row in (
        CaseEvent.objects.filter(
            scope_filter(ctx.grid, area_field="case__area"),
            action=Action.ESCALATE,
            created_at__gte=start,
            created_at__lt=until,
        )
        .values("case__tier")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_tier[row["case__tier"]]["escalated"] += row["n"]
    total = Counter()
    rows = []
    for tier in (1, 2, 3, None):
        counts = by_tier.get(tier, Counter())
        total.update(counts)
        rows.append(
            [TIER_LABELS[tier], counts["new"], counts["closed"], counts["overdue"], counts["escalated"]]
        )
    rows.append(["合计", total["new"], total["closed"], total["overdue"], total["escalated"]])

    # The week's rows picked by the (subdistrict, created_at) index first: the dashboard's own
    # date filter casts the column and would read the grid's whole history (measured in bench).
    week_cases = Case.objects.filter(
        subdistrict_id=ctx.grid.subdistrict_id, created_at__gte=start, created_at__lt=end
    )
    board = metrics.dashboard(
        week_cases, root=ctx.grid, since=ctx.start, until=ctx.end - dt.timedelta(days=1)
    )
    overall = board.overall
    figures = [
        Figure("new", "本周新增", total["new"]),
        Figure("closed", "本周结案", total["closed"]),
        Figure("overdue", "超时未办", total["overdue"]),
        Figure("escalated", "本周升级", total["escalated"]),
        Figure(
            "response_rate",
            "响应率",
            pct(overall.response_rate),
            hint=str(metrics.DEFINITIONS["response_rate"]),
        ),
        Figure(
            "resolution_rate",
            "解决率",
            pct(overall.resolution_rate),
            hint=str(metrics.DEFINITIONS["resolution_rate"]),
        ),
        Figure(
            "satisfaction_rate",
            "满意率",
            pct(overall.satisfaction_rate),
            hint=str(metrics.DEFINITIONS["satisfaction_rate"]),
        ),
    ]
    tables = [Table("按层级", ["层级", "新增", "结案", "超时", "升级"], rows)]

    overdue = list(
        cases.filter(status__in=OPEN_STATUSES, next_due__lt=until)
        .select_related("assigned_unit")
        .order_by("next_due", "id")[:LIST_LIMIT]
    )
    if overdue:
        tables.append(
            Table(
                "超时工单",
                ["编号", "标题", "层级", "处置单位", "期限"],
                [
                    [
                        c.number,
                        c.title,
                        TIER_LABELS.get(c.tier, ""),
                        c.assigned_unit.name if c.assigned_unit else "",
                        f"{c.next_due:%m-%d %H:%M}",
                    ]
                    for c in overdue
                ],
                [case_url(c.number) for c in overdue],
            )
        )
    consulted = Consultation.objects.values("case_id")
    due_soon = list(
        cases.filter(status__in=OPEN_STATUSES, tier=Tier.GRID, close_due__lt=end + dt.timedelta(days=7))
        .exclude(pk__in=consulted)
        .order_by("close_due", "id")[:LIST_LIMIT]
    )
    if due_soon:
        tables.append(
            Table(
                "待网格会商（二级）",
                ["编号", "标题", "结案期限"],
                [[c.number, c.title, f"{c.close_due:%m-%d}" if c.close_due else ""] for c in due_soon],
                [case_url(c.number) for c in due_soon],
            )
        )
    hot = list(
        cases.filter(created_at__gte=start, created_at__lt=until)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")[:5]
    )
    if hot:
        tables.append(
            Table("热点问题（按类别）", ["类别", "件数"], [[h["category__name"], h["n"]] for h in hot])
        )
    return Section("cases", "工单办理", figures, tables)


def interactions(ctx: IndexContext) -> Iterable[Interaction]:
    cases = Case.objects.filter(subdistrict=ctx.subdistrict)
    reports = list(
        cases.filter(created_at__gte=ctx.start, created_at__lt=ctx.end, source__in=RESIDENT_SOURCES)
        .values("area_id", "reporter_phone")
        .annotate(n=Count("id"))
        .order_by()
    )
    ratings = list(
        cases.filter(rated_at__gte=ctx.start, rated_at__lt=ctx.end)
        .exclude(rating="")
        .values("area_id", "reporter_phone")
        .annotate(n=Count("id"))
        .order_by()
    )
    households = households_by_phone(
        ctx.subdistrict.pk, {r["reporter_phone"] for r in reports + ratings if r["reporter_phone"]}
    )
    for kind, rows in (("report", reports), ("rating", ratings)):
        for row in rows:
            yield Interaction(kind, row["area_id"], row["n"], households.get(row["reporter_phone"]))


register(
    Provider(
        label="cases",
        requires=("cases.Case",),
        report_section=report_section,
        interactions=interactions,
        order=10,
    )
)
