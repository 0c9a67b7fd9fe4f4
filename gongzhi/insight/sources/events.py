"""What events contribute: the grid's events of the week (sessions held or coming, sign-ins, and
what listening days heard and turned into cases) in the weekly report, events attended as
interactions of the index, and the events of today on the cockpit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from gongzhi.events import selectors
from gongzhi.events.models import Attendance, Event, EventSession, EventStatus, Kind, ListeningItem
from gongzhi.events.rules import EVENT_READERS
from gongzhi.insight.households import attributed, resident_fields
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
from gongzhi.territory.scope import scope_filter

LIST_LIMIT = 15
KIND_LABELS = {k.value: str(k.label) for k in Kind}
LIVE = [EventStatus.PUBLISHED, EventStatus.HELD]


def report_section(ctx: ReportContext) -> Section:
    start, end = start_of(ctx.start), start_of(ctx.end)
    until = min(ctx.now, end)
    in_grid = Q(subdistrict_id=ctx.grid.subdistrict_id) & scope_filter(ctx.grid)
    # The grid's events with a session this week (published or held), first session first.
    events = list(
        Event.objects.filter(in_grid, status__in=LIVE)
        .filter(sessions__starts_at__gte=start, sessions__starts_at__lt=end)
        .annotate(first_session=Min("sessions__starts_at"))
        .order_by("first_session", "id")[:LIST_LIMIT]
    )
    signed = dict(
        Attendance.objects.filter(
            session__event__in=[e.pk for e in events],
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .values_list("session__event_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals = EventSession.objects.filter(
        event__in=Event.objects.filter(in_grid, status__in=LIVE).values("pk"),
        starts_at__gte=start,
        starts_at__lt=end,
    ).aggregate(
        held=Count("id", distinct=True, filter=Q(starts_at__lt=until)),
        coming=Count("id", distinct=True, filter=Q(starts_at__gte=until)),
        attended=Count("attendances", filter=Q(attendances__checked_in_at__lt=until)),
    )
    heard = ListeningItem.objects.filter(in_grid, created_at__gte=start, created_at__lt=until).aggregate(
        items=Count("id"), to_case=Count("id", filter=Q(case__isnull=False))
    )
    figures = [
        Figure("sessions_held", "本周已举办场次", totals["held"]),
        Figure("sessions_coming", "本周待举办场次", totals["coming"]),
        Figure("attended", "签到人次", totals["attended"]),
        Figure("listening_items", "倾听日收集问题", heard["items"]),
        Figure("listening_to_case", "其中转工单", heard["to_case"]),
    ]
    tables = []
    if events:
        tables.append(
            Table(
                "本周活动",
                ["活动", "类型", "时间", "地点", "名额", "签到"],
                [
                    [
                        e.title,
                        KIND_LABELS.get(e.kind, e.kind),
                        f"{timezone.localtime(e.first_session):%m-%d %H:%M}",
                        e.venue,
                        e.capacity,
                        signed.get(e.pk, 0),
                    ]
                    for e in events
                ],
                [reverse("events:detail", args=[e.pk]) for e in events],
            )
        )
    return Section("events", "社区活动", figures, tables)


def interactions(ctx: IndexContext) -> Iterable[Interaction]:
    """Sessions attended in the month (one sign-in, one interaction), counted where the attendee
    lives when the registration is a registered resident's (linked, or by the registry's phone
    hash), otherwise in the event's area."""
    rows = list(
        Attendance.objects.filter(
            registration__subdistrict=ctx.subdistrict, checked_in_at__gte=ctx.start, checked_in_at__lt=ctx.end
        )
        .values(*resident_fields("registration"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row, household, area in attributed(ctx.subdistrict.pk, rows, "registration"):
        yield Interaction("event", area, row["n"], household)


def cockpit_figures(ctx: CockpitContext) -> list[Figure]:
    if not EVENT_READERS.held_by(ctx.user):
        return []
    today = timezone.localtime(ctx.now).date()
    start = start_of(today)
    n = (
        selectors.events_for(ctx.user)
        .filter(scope_filter(ctx.root), status__in=LIVE)
        .filter(sessions__starts_at__gte=start, sessions__starts_at__lt=start + dt.timedelta(days=1))
        .distinct()
        .count()
    )
    return [Figure("events_today", "今日活动", n, url=reverse("events:index"))]


register(
    Provider(
        label="events",
        requires=("events.Event", "events.Attendance"),
        report_section=report_section,
        interactions=interactions,
        cockpit_figures=cockpit_figures,
        order=60,
    )
)
