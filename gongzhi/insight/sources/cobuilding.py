"""What cobuilding contributes: places of the grid flagged on the public service map (open
reports from the public that a place was closed, missing or wrong; places suspended; checks due)
in the weekly report."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from gongzhi.cobuilding.models import Place, PlaceReport, PlaceState, ReportKind
from gongzhi.insight.periods import start_of
from gongzhi.insight.providers import Figure, Provider, ReportContext, Section, Table, register
from gongzhi.territory.scope import scope_filter

LIST_LIMIT = 15
KIND_LABELS = {k.value: str(k.label) for k in ReportKind}
STATE_LABELS = {s.value: str(s.label) for s in PlaceState}
SHOWN = [PlaceState.VERIFIED, PlaceState.PUBLISHED]


def report_section(ctx: ReportContext) -> Section:
    end = start_of(ctx.end)
    until = min(ctx.now, end)
    places = Place.objects.filter(subdistrict_id=ctx.grid.subdistrict_id).filter(scope_filter(ctx.grid))
    # Open as the report stands at `until`: made before it, not resolved by then.
    reports = PlaceReport.objects.filter(place__in=places.values("pk"), created_at__lt=until).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=until)
    )
    flagged = list(
        reports.values("place_id", "place__name", "place__state")
        .annotate(
            n=Count("id"),
            closed=Count("id", filter=Q(kind=ReportKind.CLOSED)),
            missing=Count("id", filter=Q(kind=ReportKind.MISSING)),
            wrong=Count("id", filter=Q(kind=ReportKind.WRONG)),
            last=Max("created_at"),
        )
        .order_by("-n", "-last", "place_id")
    )
    counts = places.aggregate(
        suspended=Count("id", filter=Q(state=PlaceState.SUSPENDED)),
        check_due=Count("id", filter=Q(state__in=SHOWN, check_due_on__lt=ctx.end)),
    )
    figures = [
        Figure("places_flagged", "被反馈的服务点", len(flagged)),
        Figure("place_reports_open", "未处理反馈", sum(f["n"] for f in flagged)),
        Figure("places_suspended", "暂停展示的服务点", counts["suspended"]),
        Figure("places_check_due", "到期待核验", counts["check_due"]),
    ]
    shown = flagged[:LIST_LIMIT]
    rows = []
    for f in shown:
        kinds = "、".join(
            f"{KIND_LABELS[k]} {f[k]}"
            for k in (ReportKind.CLOSED, ReportKind.MISSING, ReportKind.WRONG)
            if f[k]
        )
        rows.append(
            [
                f["place__name"],
                STATE_LABELS.get(f["place__state"], f["place__state"]),
                f["n"],
                kinds,
                f"{timezone.localtime(f['last']):%m-%d}",
            ]
        )
    tables = (
        [
            Table(
                "服务地图被反馈的点位",
                ["服务点", "状态", "未处理反馈", "反馈内容", "最近"],
                rows,
                [reverse("cobuilding:place", args=[f["place_id"]]) for f in shown],
            )
        ]
        if rows
        else []
    )
    return Section("places", "服务地图点位", figures, tables)


register(
    Provider(
        label="cobuilding",
        requires=("cobuilding.Place", "cobuilding.PlaceReport"),
        report_section=report_section,
        order=70,
    )
)
