"""What care contributes: the grid's missed check-ins (contacts overdue) and care alerts still
open in the weekly report, and the care alerts open on the cockpit. People's names are masked in
the report (it is exported and circulated beyond the care readers); the links lead to care's own
pages, which check care's permissions."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from gongzhi.care import selectors
from gongzhi.care.models import Alert, AlertLevel, AlertReason, AlertState, Due
from gongzhi.care.rules import CARE_READERS
from gongzhi.insight.periods import start_of
from gongzhi.insight.providers import (
    CockpitContext,
    Figure,
    Provider,
    ReportContext,
    Section,
    Table,
    register,
)
from gongzhi.territory.scope import scope_filter

LIST_LIMIT = 15
REASON_LABELS = {r.value: str(r.label) for r in AlertReason}
LEVEL_LABELS = {r.value: str(r.label) for r in AlertLevel}
STATE_LABELS = {r.value: str(r.label) for r in AlertState}


def mask_name(name: str) -> str:
    """王秀英 → 王**: the surname only."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def report_section(ctx: ReportContext) -> Section:
    start, end = start_of(ctx.start), start_of(ctx.end)
    until = min(ctx.now, end)
    today = timezone.localtime(until).date() if until > start else ctx.start
    in_grid = Q(subdistrict_id=ctx.grid.subdistrict_id) & scope_filter(ctx.grid)
    # Not met as the report stands at `until` (a due met later still counts as missed then).
    unmet = Q(met_at__isnull=True) | Q(met_at__gte=until)
    dues = Due.objects.filter(in_grid, recipient__active=True)
    counted = dues.aggregate(
        missed=Count("id", filter=unmet & Q(due_on__lt=today)),
        week=Count("id", filter=Q(due_on__gte=ctx.start, due_on__lt=today)),
        # On time: met by the end of its day (local), before `until`.
        on_time=Count(
            "id",
            filter=Q(due_on__gte=ctx.start, due_on__lt=today, met_at__lt=until)
            & Q(met_at__date__lte=F("due_on")),
        ),
    )
    # Open as the report stands at `until`: raised before it and not closed by then.
    alerts = Alert.objects.filter(in_grid, raised_at__lt=until).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=until)
    )
    alert_counts = alerts.aggregate(
        open=Count("id"),
        subdistrict=Count("id", filter=Q(level=AlertLevel.SUBDISTRICT)),
    )
    figures = [
        Figure("dues_missed", "关爱联系逾期", counted["missed"]),
        Figure("dues_week", "本周应联系", counted["week"]),
        Figure("dues_on_time", "本周按时联系", counted["on_time"]),
        Figure("alerts_open", "关爱预警未办结", alert_counts["open"]),
        Figure("alerts_subdistrict", "其中上报街道", alert_counts["subdistrict"]),
    ]
    tables = []
    missed = list(
        dues.filter(unmet, due_on__lt=today)
        .select_related("recipient__resident", "area")
        .order_by("due_on", "id")[:LIST_LIMIT]
    )
    if missed:
        tables.append(
            Table(
                "关爱联系逾期",
                ["对象", "区域", "应联系日期", "逾期天数"],
                [
                    [
                        mask_name(d.recipient.resident.name),
                        d.area.name,
                        f"{d.due_on:%m-%d}",
                        (today - d.due_on).days,
                    ]
                    for d in missed
                ],
                [reverse("care:recipient", args=[d.recipient_id]) for d in missed],
            )
        )
    open_alerts = list(alerts.select_related("recipient__resident").order_by("raised_at", "id")[:LIST_LIMIT])
    if open_alerts:
        tables.append(
            Table(
                "关爱预警未办结",
                ["对象", "原因", "层级", "状态", "发起时间"],
                [
                    [
                        mask_name(a.recipient.resident.name),
                        REASON_LABELS.get(a.reason, a.reason),
                        LEVEL_LABELS.get(a.level, a.level),
                        STATE_LABELS.get(a.state, a.state),
                        f"{timezone.localtime(a.raised_at):%m-%d %H:%M}",
                    ]
                    for a in open_alerts
                ],
                [reverse("care:alert", args=[a.pk]) for a in open_alerts],
            )
        )
    return Section("care", "关爱联系与预警", figures, tables)


def cockpit_figures(ctx: CockpitContext) -> list[Figure]:
    if not CARE_READERS.held_by(ctx.user):
        return []
    open_alerts = (
        selectors.alerts_for(ctx.user).filter(scope_filter(ctx.root)).exclude(state=AlertState.CLOSED).count()
    )
    return [Figure("care_alerts_open", "关爱预警未办结", open_alerts, url=reverse("care:alerts"))]


register(
    Provider(
        label="care",
        requires=("care.Due", "care.Alert"),
        report_section=report_section,
        cockpit_figures=cockpit_figures,
        order=40,
    )
)
