"""Supervision rule over owners' committees' works (rule 11): works split under the
price-review line — several works of one committee with the same contractor within a window,
each at or under the line (so none was price-reviewed) but together above it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy

from gongzhi.committees.models import Works, WorksStatus
from gongzhi.committees.works import price_review_above
from gongzhi.insight.supervision import Evidence, Finding, Rule, ScanContext, register

DEFAULT_WINDOW_DAYS = 90  # config supervision.works_split_window_days
DEFAULT_MIN_WORKS = 2  # config supervision.works_split_min


def contractor_key(name: str) -> str:
    """The same contractor written with different spaces or brackets is the same contractor."""
    return "".join(name.split()).replace("（", "(").replace("）", ")").lower()


@register
class WorksSplit(Rule):
    code = "works_split"
    number = 11
    title = gettext_lazy("业委会维修工程拆分规避审价（同一施工单位、短期内多笔均低于审价线，合计超过）")
    app_label = "committees"
    requires = ("committees.Works",)

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        window = int(ctx.settings.get("works_split_window_days", DEFAULT_WINDOW_DAYS))
        minimum = int(ctx.settings.get("works_split_min", DEFAULT_MIN_WORKS))
        line = price_review_above()
        since = ctx.since.date() - dt.timedelta(days=window)
        rows = (
            Works.objects.filter(
                subdistrict=ctx.subdistrict,
                amount__lte=line,
                proposed_on__gte=since,
                proposed_on__lte=ctx.now.date(),
            )
            .exclude(status=WorksStatus.DROPPED)
            .select_related("committee")
            .order_by("proposed_on", "pk")
        )
        groups: dict[tuple[int, str], list[Works]] = defaultdict(list)
        for works in rows:
            groups[(works.committee_id, contractor_key(works.contractor))].append(works)
        for (committee_id, contractor), works_list in groups.items():
            yield from self._clusters(committee_id, contractor, works_list, window, minimum, line, ctx)

    def _clusters(self, committee_id, contractor, works_list, window, minimum, line, ctx):
        """Greedy from the earliest: a cluster is every works within `window` days of its first;
        one finding per cluster whose sum is above the line (keyed by its first works)."""
        i = 0
        while i < len(works_list):
            first = works_list[i]
            cluster = [w for w in works_list[i:] if (w.proposed_on - first.proposed_on).days <= window]
            total = sum((w.amount for w in cluster), Decimal(0))
            if len(cluster) >= minimum and total > line:
                if first.proposed_on >= ctx.since.date() or cluster[-1].proposed_on >= ctx.since.date():
                    yield Finding(
                        key=f"{committee_id}|{contractor}|{first.pk}",
                        title=(
                            f"{first.committee.name}：{first.contractor} {len(cluster)} 项工程"
                            f"（{window} 天内）均未超过审价线 ¥{line:,.0f}，合计 ¥{total:,.2f}"
                        ),
                        detail=(
                            "同一业委会、同一施工单位在短期内的多项工程，每项都不超过审价线，合计超过："
                            "可能拆分工程以规避审价。数据来自业委会维修工程台账。"
                        ),
                        area=first.area_id,
                        evidence=[
                            Evidence(
                                "works",
                                w.pk,
                                f"{w.proposed_on} {w.title} ¥{w.amount:,.2f} {w.get_status_display()}",
                                reverse("committees:works", args=[w.pk]),
                            )
                            for w in cluster
                        ],
                    )
                i += len(cluster)
            else:
                i += 1
