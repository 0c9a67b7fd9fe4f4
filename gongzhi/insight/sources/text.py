"""What the text app contributes: the grid's hot issues (热点诉求) in the weekly report — its
recent cases grouped by what they are about (gongzhi.text.hot, the clustering the text app's hot
issue page uses), those with a case in the week, best first."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from gongzhi.cases.models import Case, Status
from gongzhi.insight import config
from gongzhi.insight.periods import start_of
from gongzhi.insight.providers import Provider, ReportContext, Section, Table, register
from gongzhi.territory.scope import scope_filter
from gongzhi.text import hot


def report_section(ctx: ReportContext) -> Section:
    settings = config.get("report")
    start, end = start_of(ctx.start), start_of(ctx.end)
    until = min(ctx.now, end)
    days = int(settings["hot_window_days"])
    since = until - dt.timedelta(days=days)
    cases = {
        c.pk: c
        for c in Case.objects.filter(subdistrict_id=ctx.grid.subdistrict_id)
        .filter(scope_filter(ctx.grid))
        .filter(created_at__gte=since, created_at__lt=until)
        .exclude(status=Status.REJECTED)
        .only("pk", "number", "title", "description", "created_at")
        .order_by("-created_at", "-pk")[: int(settings["hot_max_cases"])]
    }
    items = [
        hot.Item(id=c.pk, title=c.title, text=f"{c.title}。{c.description}", when=c.created_at)
        for c in cases.values()
    ]
    clusters = hot.hot_issues(items, min_size=int(settings["hot_min_size"]), now=until, recent_days=7)
    rows, links = [], []
    for cluster in clusters:
        this_week = sum(1 for m in cluster.members if m.when and m.when >= start)
        if not this_week:
            continue
        newest = cases[cluster.members[-1].id]
        rows.append(
            [
                "、".join(cluster.terms[:3]),
                cluster.size,
                this_week,
                f"{timezone.localtime(newest.created_at):%m-%d}",
                newest.title,
            ]
        )
        links.append(reverse("cases:detail", args=[newest.number]))
        if len(rows) >= int(settings["hot_limit"]):
            break
    if not rows:
        return Section("hot", "热点诉求", note="本周无成组的热点诉求")
    return Section(
        "hot",
        "热点诉求",
        tables=[
            Table(
                "热点诉求（文本聚类）", ["诉求", f"近{days}天件数", "本周", "最近", "最新一件"], rows, links
            )
        ],
    )


register(
    Provider(
        label="text",
        requires=("text.ModelVersion",),
        report_section=report_section,
        order=15,
    )
)
