"""Supervision rules over the case loop (智慧监督 rules 1–8 and 12 of issue 22)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import Unit, User
from gongzhi.cases.models import Action, Attachment, Case, CaseEvent, Consultation
from gongzhi.insight.supervision import Evidence, Finding, Rule, ScanContext, register

FINISHED = ["closed", "rated"]
EVIDENCE_LIMIT = 30
# Words in a verification or note that record work on the ground or a contact with the reporter.
SITE_WORDS = ["现场", "实地", "上门", "入户", "回访", "电话", "照片", "拍照"]


def case_evidence(case_id: int, number: str, title: str) -> Evidence:
    return Evidence("case", case_id, f"{number} {title}", reverse("cases:detail", args=[number]))


def _site_categories(ctx: ScanContext) -> Q:
    codes = ctx.settings["site_visit_categories"]
    if not codes:
        return Q()
    return Q(category__code__in=codes) | Q(category__parent__code__in=codes)


class CaseRule(Rule):
    app_label = "cases"
    requires = ("cases.Case",)


@register
class RepeatedAddress(CaseRule):
    code = "repeat_address"
    number = 1
    title = gettext_lazy("同一地址同类问题反复反映")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        minimum, window = int(ctx.settings["repeat_min_reports"]), int(ctx.settings["repeat_window_days"])
        recent = Case.objects.filter(subdistrict=ctx.subdistrict, created_at__gte=ctx.since).exclude(
            address=""
        )
        groups = (
            recent.values("address", "category_id").annotate(n=Count("id")).filter(n__gte=minimum).order_by()
        )
        for group in groups:
            rows = list(
                recent.filter(address=group["address"], category_id=group["category_id"])
                .order_by("created_at", "id")
                .values("pk", "number", "title", "created_at", "area_id", "category__name")
            )
            i = 0
            while i < len(rows):
                j = i
                while j + 1 < len(rows) and (rows[j + 1]["created_at"] - rows[i]["created_at"]).days < window:
                    j += 1
                if j - i + 1 >= minimum:
                    cluster = rows[i : j + 1]
                    first = cluster[0]
                    yield Finding(
                        key=f"{group['category_id']}|{group['address']}|{first['number']}",
                        title=f"{group['address']}「{first['category__name']}」{window}天内反映{len(cluster)}次",
                        detail="同一地址、同一类别在短期内被反复反映，可能“办结”而未解决。",
                        area=first["area_id"],
                        evidence=[
                            case_evidence(r["pk"], r["number"], r["title"]) for r in cluster[:EVIDENCE_LIMIT]
                        ],
                    )
                    i = j + 1
                else:
                    i += 1


def _closed_needing_site_visit(ctx: ScanContext):
    return Case.objects.filter(
        _site_categories(ctx), subdistrict=ctx.subdistrict, closed_at__gte=ctx.since, status__in=FINISHED
    )


@register
class ClosedWithoutSiteEvidence(CaseRule):
    code = "no_site_evidence"
    number = 2
    title = gettext_lazy("应现场核查而无现场、联系或照片记录即结案")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        closed = _closed_needing_site_visit(ctx)
        ids = closed.values("pk")
        words = Q()
        for word in SITE_WORDS:
            words |= Q(note__contains=word)
        on_site = CaseEvent.objects.filter(
            words, case_id__in=ids, action__in=[Action.VERIFY, Action.NOTE, Action.REPLY]
        ).values("case_id")
        closed = (
            closed.exclude(pk__in=on_site)
            .exclude(pk__in=Attachment.objects.filter(case_id__in=ids).values("case_id"))
            .exclude(pk__in=Consultation.objects.filter(case_id__in=ids).values("case_id"))
        )
        try:
            visit_links = apps.get_model("visits", "Visit").cases.through
            closed = closed.exclude(pk__in=visit_links.objects.filter(case_id__in=ids).values("case_id"))
        except LookupError:
            pass
        for row in closed.values("pk", "number", "title", "area_id", "assigned_unit_id"):
            yield Finding(
                key=str(row["pk"]),
                title=f"{row['number']} 结案前无现场核查、联系或照片记录",
                detail="该类别要求现场核查；时间线中没有现场或电话核实的记录、照片、走访或会商。",
                area=row["area_id"],
                unit_id=row["assigned_unit_id"],
                evidence=[case_evidence(row["pk"], row["number"], row["title"])],
            )


@register
class ClosedTooFast(CaseRule):
    code = "closed_too_fast"
    number = 3
    title = gettext_lazy("派遣后过快结案")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        hours = float(ctx.settings["fast_close_hours"])
        closed = {
            r["pk"]: r
            for r in _closed_needing_site_visit(ctx).values(
                "pk", "number", "title", "area_id", "assigned_unit_id", "closed_at"
            )
        }
        firsts = (
            CaseEvent.objects.filter(case_id__in=list(closed), action=Action.ASSIGN)
            .values("case_id")
            .annotate(first=Min("created_at"))
            .order_by()
        )
        for row in firsts:
            case = closed[row["case_id"]]
            took = (case["closed_at"] - row["first"]).total_seconds() / 3600
            if took < hours:
                yield Finding(
                    key=str(case["pk"]),
                    title=f"{case['number']} 派遣后 {took:.1f} 小时即结案",
                    detail=f"该类别要求现场核查，派遣到结案不足 {hours:g} 小时。",
                    area=case["area_id"],
                    unit_id=case["assigned_unit_id"],
                    evidence=[case_evidence(case["pk"], case["number"], case["title"])],
                )


@register
class ReopenedOrUnsatisfied(CaseRule):
    code = "reopened"
    number = 4
    title = gettext_lazy("重新打开或多次不满意")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        minimum = int(ctx.settings["unsatisfied_min"])
        events = CaseEvent.objects.filter(subdistrict=ctx.subdistrict, created_at__gte=ctx.since)
        reopened = dict(
            events.filter(action=Action.REOPEN)
            .values("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
        unsatisfied = dict(
            CaseEvent.objects.filter(
                case_id__in=events.filter(action=Action.RATE).values("case_id"),
                action=Action.RATE,
                data__rating="unsatisfied",
            )
            .values("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
        flagged = set(reopened) | {pk for pk, n in unsatisfied.items() if n >= minimum}
        for row in Case.objects.filter(pk__in=flagged).values(
            "pk", "number", "title", "area_id", "assigned_unit_id"
        ):
            r, u = reopened.get(row["pk"], 0), unsatisfied.get(row["pk"], 0)
            yield Finding(
                key=str(row["pk"]),
                title=f"{row['number']} 重新打开 {r} 次，不满意评价 {u} 次",
                area=row["area_id"],
                unit_id=row["assigned_unit_id"],
                evidence=[case_evidence(row["pk"], row["number"], row["title"])],
            )


@register
class Bounced(CaseRule):
    code = "bounced"
    number = 5
    title = gettext_lazy("多次改派或退回（部门间推诿）")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        minimum = int(ctx.settings["bounce_min"])
        moves = (
            CaseEvent.objects.filter(
                subdistrict=ctx.subdistrict,
                created_at__gte=ctx.since,
                action__in=[Action.ASSIGN, Action.VERIFY_FAIL],
            )
            .values("case_id")
            .annotate(
                assigns=Count("id", filter=Q(action=Action.ASSIGN)),
                returns=Count("id", filter=Q(action=Action.VERIFY_FAIL)),
            )
            .order_by()
        )
        counts = {
            m["case_id"]: (m["assigns"], m["returns"])
            for m in moves
            if m["assigns"] - 1 + m["returns"] >= minimum
        }
        units = defaultdict(list)
        for case_id, name in (
            CaseEvent.objects.filter(case_id__in=list(counts), action=Action.ASSIGN)
            .order_by("seq")
            .values_list("case_id", "data__unit_name")
        ):
            units[case_id].append(name or "")
        for row in Case.objects.filter(pk__in=list(counts)).values(
            "pk", "number", "title", "area_id", "assigned_unit_id"
        ):
            assigns, returns = counts[row["pk"]]
            yield Finding(
                key=str(row["pk"]),
                title=f"{row['number']} 改派 {assigns - 1} 次、退回 {returns} 次",
                detail="派遣经过：" + " → ".join(units[row["pk"]]),
                area=row["area_id"],
                unit_id=row["assigned_unit_id"],
                evidence=[case_evidence(row["pk"], row["number"], row["title"])],
            )


@register
class OverdueShare(CaseRule):
    code = "overdue_share"
    number = 6
    title = gettext_lazy("处置单位超时率明显高于同类单位")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        import datetime as dt

        since = ctx.now - dt.timedelta(days=int(ctx.settings["overdue_window_days"]))
        rows = list(
            Case.objects.filter(
                subdistrict=ctx.subdistrict, created_at__gte=since, assigned_unit__isnull=False
            )
            .values("assigned_unit_id")
            .annotate(total=Count("id"), overdue=Count("id", filter=Q(overdue=True)))
            .filter(total__gte=int(ctx.settings["overdue_min_cases"]))
            .order_by()
        )
        if len(rows) < 3:
            return
        shares = {r["assigned_unit_id"]: r["overdue"] / r["total"] for r in rows}
        median, sigma = statistics.median(shares.values()), statistics.pstdev(shares.values())
        line = median + float(ctx.settings["overdue_k"]) * sigma
        units = {u.pk: u for u in Unit.objects.filter(pk__in=list(shares))}
        for row in rows:
            share = shares[row["assigned_unit_id"]]
            if sigma == 0 or share <= line:
                continue
            unit = units[row["assigned_unit_id"]]
            overdue = Case.objects.filter(
                subdistrict=ctx.subdistrict, created_at__gte=since, assigned_unit=unit, overdue=True
            ).values("pk", "number", "title")[:EVIDENCE_LIMIT]
            yield Finding(
                key=f"{unit.pk}|{ctx.now:%Y-%m}",
                title=f"{unit.name} 超时率 {share:.0%}（同类中位数 {median:.0%}，警戒线 {line:.0%}）",
                detail=f"近 {ctx.settings['overdue_window_days']} 天派给该单位 {row['total']} 件，超时 {row['overdue']} 件。",
                area=ctx.subdistrict.pk,
                unit_id=unit.pk,
                evidence=[case_evidence(c["pk"], c["number"], c["title"]) for c in overdue],
            )


@register
class CopiedReplies(CaseRule):
    code = "copied_replies"
    number = 7
    title = gettext_lazy("不同工单的反馈内容高度雷同")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        from gongzhi.text.classify import normalise

        rows = [
            r
            for r in Case.objects.filter(subdistrict=ctx.subdistrict, replied_at__gte=ctx.since)
            .exclude(reply_text="")
            .order_by("-replied_at")
            .values("pk", "number", "title", "reply_text", "area_id", "assigned_unit_id")[:20000]
            if len(normalise(r["reply_text"])) >= int(ctx.settings["reply_min_chars"])
        ]
        if len(rows) < 2:
            return
        vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)
        x = vectors.fit_transform([normalise(r["reply_text"]) for r in rows])
        similar = (x @ x.T).tocoo()
        parent = list(range(len(rows)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        threshold = float(ctx.settings["reply_similarity"])
        for i, j, value in zip(similar.row, similar.col, similar.data, strict=True):
            if i < j and value >= threshold:
                parent[root(i)] = root(j)
        clusters = defaultdict(list)
        for i in range(len(rows)):
            clusters[root(i)].append(rows[i])
        for members in clusters.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda r: r["number"])
            first = members[0]
            yield Finding(
                key=first["number"],
                title=f"{len(members)} 件工单的反馈内容高度雷同（{first['number']} 等）",
                detail="示例：" + first["reply_text"][:120],
                area=first["area_id"],
                unit_id=first["assigned_unit_id"],
                evidence=[case_evidence(r["pk"], r["number"], r["title"]) for r in members[:EVIDENCE_LIMIT]],
            )


@register
class SameHands(CaseRule):
    code = "same_hands"
    number = 8
    title = gettext_lazy("同一人既上报又结案，或既反馈又核查")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        events = CaseEvent.objects.filter(
            subdistrict=ctx.subdistrict, created_at__gte=ctx.since, actor__isnull=False
        )
        closed_by_reporter = events.filter(
            action=Action.CLOSE, actor_id=F("case__reported_by_id")
        ).values_list(
            "case_id", "actor_id", "case__number", "case__title", "case__area_id", "case__assigned_unit_id"
        )
        for case_id, actor_id, number, title, area_id, unit_id in closed_by_reporter:
            yield Finding(
                key=f"{case_id}|close",
                title=f"{number} 由上报人本人结案",
                area=area_id,
                unit_id=unit_id,
                person_id=actor_id,
                evidence=[case_evidence(case_id, number, title)],
            )
        verified = events.filter(action=Action.VERIFY).values_list(
            "case_id", "actor_id", "case__number", "case__title", "case__area_id", "case__assigned_unit_id"
        )
        verified = list(verified)
        repliers = set(
            CaseEvent.objects.filter(case_id__in=[v[0] for v in verified], action=Action.REPLY).values_list(
                "case_id", "actor_id"
            )
        )
        for case_id, actor_id, number, title, area_id, unit_id in verified:
            if (case_id, actor_id) in repliers:
                yield Finding(
                    key=f"{case_id}|verify",
                    title=f"{number} 反馈人与核查人为同一人",
                    area=area_id,
                    unit_id=unit_id,
                    person_id=actor_id,
                    evidence=[case_evidence(case_id, number, title)],
                )


@register
class StaffPhoneRatings(CaseRule):
    code = "staff_ratings"
    number = 12
    title = gettext_lazy("评价来自工作人员的手机号")

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        staff = dict(
            User.objects.filter(is_active=True, groups__isnull=False)
            .exclude(phone="")
            .values_list("phone", "pk")
        )
        if not staff:
            return
        rated = (
            Case.objects.filter(
                subdistrict=ctx.subdistrict, rated_at__gte=ctx.since, reporter_phone__in=list(staff)
            )
            .exclude(rating="")
            .values("pk", "number", "title", "area_id", "assigned_unit_id", "reporter_phone")
        )
        for row in rated:
            yield Finding(
                key=str(row["pk"]),
                title=f"{row['number']} 的评价来自工作人员手机号",
                area=row["area_id"],
                unit_id=row["assigned_unit_id"],
                person_id=staff[row["reporter_phone"]],
                evidence=[case_evidence(row["pk"], row["number"], row["title"])],
            )
