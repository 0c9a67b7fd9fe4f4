"""Supervision rule over the access log (rule 10): reveals of ID numbers and phones, and exports,
above the user's own normal."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import AccessLog, User
from gongzhi.insight.supervision import Evidence, Finding, Rule, ScanContext, register

HISTORY_WEEKS = 12


@register
class UnusualReveals(Rule):
    code = "unusual_reveals"
    number = 10
    title = gettext_lazy("查看完整身份证号、电话或导出明显多于本人常态")
    app_label = "accounts"
    requires = ("accounts.AccessLog",)

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        factor, minimum = float(ctx.settings["reveal_factor"]), int(ctx.settings["reveal_min"])
        week_start = ctx.now - dt.timedelta(days=7)
        history_start = week_start - dt.timedelta(weeks=HISTORY_WEEKS)
        users = {
            u.pk: u
            for u in User.objects.filter(
                Q(scope=ctx.subdistrict) | Q(scope__path__startswith=ctx.subdistrict.path)
            ).select_related("scope")
        }
        sensitive = Q(action__startswith="reveal:") | Q(action__startswith="export:")
        recent = defaultdict(list)
        for row in (
            AccessLog.objects.filter(sensitive, user_id__in=list(users), created_at__gte=week_start)
            .order_by("-created_at")
            .values("pk", "user_id", "action", "object_type", "object_id", "created_at")
        ):
            recent[row["user_id"]].append(row)
        candidates = [pk for pk, rows in recent.items() if len(rows) >= minimum]
        if not candidates:
            return
        weekly = defaultdict(lambda: [0] * HISTORY_WEEKS)
        for user_id, at in AccessLog.objects.filter(
            sensitive, user_id__in=candidates, created_at__gte=history_start, created_at__lt=week_start
        ).values_list("user_id", "created_at"):
            index = min(int((at - history_start).days // 7), HISTORY_WEEKS - 1)
            weekly[user_id][index] += 1
        for user_id in candidates:
            normal = statistics.median(weekly[user_id])
            count = len(recent[user_id])
            if count < factor * max(normal, 1):
                continue
            user = users[user_id]
            yield Finding(
                key=f"{user_id}|{ctx.now:%G-W%V}",
                title=f"{user.display_name or user.username} 近7天查看/导出敏感信息 {count} 次（常态每周 {normal:g} 次）",
                detail="数据来自访问日志（查看完整身份证号、电话，导出名单）。",
                area=user.scope_id or ctx.subdistrict.pk,
                person_id=user_id,
                evidence=[
                    Evidence(
                        "access",
                        r["pk"],
                        f"{r['created_at']:%m-%d %H:%M} {r['action']} {r['object_type']} {r['object_id']}",
                    )
                    for r in recent[user_id][:30]
                ],
            )
