"""What participation contributes: the week's suggestions and the list items due in the grid's
weekly report, suggestions, supports and deliberations attended as interactions of the index, and
the suggestions waiting for staff on the cockpit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from gongzhi.insight.households import households_by_hash
from gongzhi.insight.periods import start_of
from gongzhi.insight.providers import (
    CockpitContext,
    Figure,
    IndexContext,
    Interaction,
    Provider,
    ReportContext,
    Section,
    Table,
    register,
)
from gongzhi.participation import selectors
from gongzhi.participation.models import (
    CLOSED_ITEM_STATUSES,
    Attendance,
    ItemKind,
    ItemStatus,
    ListItem,
    MeetingStatus,
    Suggestion,
    SuggestionStatus,
    Support,
)
from gongzhi.territory.scope import scope_filter

LIST_LIMIT = 15
# Waiting for staff: moderation (待审核) and triage once the supports are in (待分办).
WAITING = [SuggestionStatus.PENDING, SuggestionStatus.TRIAGE]
# A suggestion that failed moderation (spam, abuse) is not a resident's interaction.
NOT_INTERACTIONS = [SuggestionStatus.DECLINED]
HELD = [MeetingStatus.HELD, MeetingStatus.PUBLISHED]
STATUS_LABELS = {s.value: str(s.label) for s in SuggestionStatus}
ITEM_STATUS_LABELS = {s.value: str(s.label) for s in ItemStatus}
ITEM_KIND_LABELS = {k.value: str(k.label) for k in ItemKind}


def _local(value) -> str:
    return f"{timezone.localtime(value):%m-%d}" if value else ""


def report_section(ctx: ReportContext) -> Section:
    start, end = start_of(ctx.start), start_of(ctx.end)
    until = min(ctx.now, end)
    suggestions = Suggestion.objects.filter(subdistrict_id=ctx.grid.subdistrict_id).filter(
        scope_filter(ctx.grid)
    )
    counts = suggestions.aggregate(
        new=Count("id", filter=Q(created_at__gte=start, created_at__lt=until)),
        answered=Count("id", filter=Q(answer_published_at__gte=start, answer_published_at__lt=until)),
        pending=Count("id", filter=Q(status=SuggestionStatus.PENDING)),
        triage=Count("id", filter=Q(status=SuggestionStatus.TRIAGE)),
    )
    items = (
        ListItem.objects.filter(subdistrict_id=ctx.grid.subdistrict_id)
        .filter(scope_filter(ctx.grid))
        .exclude(status__in=CLOSED_ITEM_STATUSES)
        .filter(due_at__lt=end)
    )
    item_counts = items.aggregate(
        overdue=Count("id", filter=Q(due_at__lt=until)),
        due=Count("id", filter=Q(due_at__gte=until)),
    )
    figures = [
        Figure("suggestions_new", "本周新建议", counts["new"]),
        Figure("suggestions_answered", "本周答复", counts["answered"]),
        Figure("suggestions_pending", "待审核建议", counts["pending"]),
        Figure("suggestions_triage", "待分办建议", counts["triage"]),
        Figure("items_due", "清单事项本周到期", item_counts["due"]),
        Figure("items_overdue", "清单事项逾期", item_counts["overdue"]),
    ]
    tables = []
    waiting = list(suggestions.filter(status__in=WAITING).order_by("created_at", "id")[:LIST_LIMIT])
    if waiting:
        tables.append(
            Table(
                "待处理建议",
                ["编号", "标题", "状态", "提交日期", "附议"],
                [
                    [
                        s.ref,
                        s.public_title,
                        STATUS_LABELS.get(s.status, s.status),
                        _local(s.created_at),
                        s.supports_count,
                    ]
                    for s in waiting
                ],
                [reverse("participation:suggestion", args=[s.pk]) for s in waiting],
            )
        )
    due = list(items.select_related("owner").order_by("due_at", "id")[:LIST_LIMIT])
    if due:
        tables.append(
            Table(
                "清单事项到期与逾期",
                ["事项", "类别", "责任单位", "期限", "进度", "状态"],
                [
                    [
                        i.title,
                        ITEM_KIND_LABELS.get(i.kind, i.kind),
                        i.owner.name if i.owner else "",
                        _local(i.due_at),
                        f"{i.rolled_progress}%",
                        "已逾期" if i.due_at < until else ITEM_STATUS_LABELS.get(i.status, i.status),
                    ]
                    for i in due
                ],
                [reverse("participation:item", args=[i.pk]) for i in due],
            )
        )
    return Section("participation", "居民建议与清单", figures, tables)


def interactions(ctx: IndexContext) -> Iterable[Interaction]:
    suggestions = list(
        Suggestion.objects.filter(
            subdistrict=ctx.subdistrict, created_at__gte=ctx.start, created_at__lt=ctx.end
        )
        .exclude(status__in=NOT_INTERACTIONS)
        .values("area_id", "phone_hash")
        .annotate(n=Count("id"))
        .order_by()
    )
    # The sealed phone differs row by row; its blind index is the registry's (same key and kind).
    households = households_by_hash(ctx.subdistrict.pk, {r["phone_hash"] for r in suggestions})
    for row in suggestions:
        found = households.get(row["phone_hash"]) if row["phone_hash"] else None
        yield Interaction("suggestion", row["area_id"], row["n"], found[0] if found else None)
    # A support keeps only participation's keyed digest of the phone, which the registry cannot
    # match: supports add to depth, not to reach.
    for row in (
        Support.objects.filter(
            suggestion__subdistrict=ctx.subdistrict, created_at__gte=ctx.start, created_at__lt=ctx.end
        )
        .values("suggestion__area_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        yield Interaction("support", row["suggestion__area_id"], row["n"])
    # Attendance is a name on the sign-in sheet (no household): depth, not reach.
    for row in (
        Attendance.objects.filter(
            meeting__subdistrict=ctx.subdistrict,
            meeting__status__in=HELD,
            meeting__starts_at__gte=ctx.start,
            meeting__starts_at__lt=ctx.end,
        )
        .values("meeting__area_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        yield Interaction("deliberation", row["meeting__area_id"], row["n"])


def cockpit_figures(ctx: CockpitContext) -> list[Figure]:
    waiting = selectors.suggestions_for(ctx.user).filter(scope_filter(ctx.root), status__in=WAITING).count()
    return [Figure("suggestions_waiting", "待处理建议", waiting, url=reverse("participation:suggestions"))]


register(
    Provider(
        label="participation",
        requires=("participation.Suggestion", "participation.ListItem", "participation.Attendance"),
        report_section=report_section,
        interactions=interactions,
        cockpit_figures=cockpit_figures,
        order=30,
    )
)
