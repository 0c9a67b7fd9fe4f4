"""Supervision rule over the volunteers' points ledger (rule 9): points given at odd hours, or
bunched on one account, by one member of staff."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from gongzhi.insight.supervision import Evidence, Finding, Rule, ScanContext, register
from gongzhi.volunteers.models import EARNING_KINDS, PointsEntry

EVIDENCE_LIMIT = 30


def _odd(hour: int, start: int, end: int) -> bool:
    """Whether a local hour is in the night window [start, end) that wraps midnight (22–6)."""
    return hour >= start or hour < end


@register
class PointsBunching(Rule):
    code = "points_bunching"
    number = 9
    title = gettext_lazy("志愿积分集中在深夜发放或集中记给同一人")
    app_label = "volunteers"
    requires = ("volunteers.PointsEntry",)

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        s = ctx.settings
        start, end = int(s["points_night_start"]), int(s["points_night_end"])
        night_min = int(s["points_night_min"])
        bunch_min, bunch_share = int(s["points_bunch_min"]), float(s["points_bunch_share"])
        rows = (
            PointsEntry.objects.filter(
                subdistrict=ctx.subdistrict,
                kind__in=EARNING_KINDS,
                actor__isnull=False,
                created_at__gte=ctx.since,
                created_at__lte=ctx.now,
            )
            .select_related("actor", "volunteer")
            .order_by("created_at", "pk")
        )
        weeks: dict[tuple[int, str], list[PointsEntry]] = defaultdict(list)
        for entry in rows:
            weeks[(entry.actor_id, f"{timezone.localtime(entry.created_at):%G-W%V}")].append(entry)
        for (actor_id, week), entries in weeks.items():
            actor = entries[0].actor
            who = actor.display_name or actor.username
            night = [e for e in entries if _odd(timezone.localtime(e.created_at).hour, start, end)]
            if len(night) >= night_min:
                yield Finding(
                    key=f"night|{actor_id}|{week}",
                    title=f"{who} 在 {week} 周深夜（{start}:00–{end}:00）发放积分 {len(night)} 笔",
                    detail="数据来自志愿积分流水（服务积分、善举积分），按发放人和周统计。",
                    area=actor.scope_id or ctx.subdistrict.pk,
                    person_id=actor_id,
                    evidence=[self._evidence(e) for e in night[:EVIDENCE_LIMIT]],
                )
            counts = Counter(e.volunteer_id for e in entries)
            volunteer_id, top = counts.most_common(1)[0]
            if len(entries) >= bunch_min and top >= bunch_share * len(entries):
                mine = [e for e in entries if e.volunteer_id == volunteer_id]
                name = mine[0].volunteer.name
                yield Finding(
                    key=f"bunch|{actor_id}|{volunteer_id}|{week}",
                    title=f"{who} 在 {week} 周发放的 {len(entries)} 笔积分中有 {top} 笔记给 {name}",
                    detail="同一发放人一周内的积分大多记给同一名志愿者。",
                    area=mine[0].area_id,
                    person_id=actor_id,
                    evidence=[self._evidence(e) for e in mine[:EVIDENCE_LIMIT]],
                )

    @staticmethod
    def _evidence(entry: PointsEntry) -> Evidence:
        when = timezone.localtime(entry.created_at)
        return Evidence(
            "points",
            entry.pk,
            f"{when:%m-%d %H:%M} {entry.volunteer.name} +{entry.points} {entry.reason}",
            reverse("volunteers:detail", args=[entry.volunteer_id]),
        )
