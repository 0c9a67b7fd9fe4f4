"""Scoped reads of events and registrations, the public listing, and the figures of an event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFound
from gongzhi.events.models import SEATED, Booking, Event, EventStatus, Registration, RegistrationStatus, Room
from gongzhi.events.rules import EVENT_READERS
from gongzhi.territory.models import Area
from gongzhi.territory.scope import scoped

R = RegistrationStatus


def events_for(user: User) -> QuerySet[Event]:
    return scoped(Event.objects.all(), user, roles=EVENT_READERS)


def event_for(user: User, pk: int) -> Event:
    event = events_for(user).select_related("area", "series", "organiser").filter(pk=pk).first()
    if event is None:
        raise NotFound()
    return event


def listing_for(user: User) -> QuerySet[Event]:
    return (
        events_for(user)
        .select_related("area", "series")
        .annotate(
            waiting=Count("registrations", filter=Q(registrations__status=R.WAITLISTED)),
            applied=Count("registrations", filter=Q(registrations__status=R.APPLIED)),
        )
        .order_by("-registration_opens_at", "-id")
    )


def registrations_of(user: User, event: Event) -> QuerySet[Registration]:
    if not events_for(user).filter(pk=event.pk).exists():
        return Registration.objects.none()
    return event.registrations.annotate(attended_sessions=Count("attendances")).order_by(
        "status", "queue", "pk"
    )


def public_events(subdistrict: Area, now: dt.datetime | None = None) -> QuerySet[Event]:
    """Published events of a subdistrict whose last session has not ended."""
    now = now or timezone.now()
    return (
        Event.objects.filter(
            subdistrict=subdistrict, status=EventStatus.PUBLISHED, sessions__ends_at__gte=now
        )
        .distinct()
        .select_related("area")
        .order_by("registration_closes_at", "pk")
    )


def public_event(pk: int) -> Event:
    event = (
        Event.objects.select_related("area", "subdistrict", "series")
        .filter(pk=pk, status__in=[EventStatus.PUBLISHED, EventStatus.HELD])
        .first()
    )
    if event is None:
        raise NotFound(_not_found())
    return event


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("未找到该活动。")


@dataclass
class EventFigures:
    capacity: int
    seated: int
    waiting: int
    applied: int
    cancelled: int
    attended: int
    no_show: int
    completed: int | None
    rating: float | None

    @property
    def fill_rate(self) -> int:
        return round(100 * self.seated / self.capacity) if self.capacity else 0

    @property
    def attendance_rate(self) -> int | None:
        return round(100 * self.attended / self.seated) if self.seated else None


def figures_of(event: Event) -> EventFigures:
    rows = event.registrations.aggregate(
        seated=Count("pk", filter=Q(status__in=SEATED)),
        waiting=Count("pk", filter=Q(status=R.WAITLISTED)),
        applied=Count("pk", filter=Q(status=R.APPLIED)),
        cancelled=Count("pk", filter=Q(status=R.CANCELLED)),
        attended=Count("pk", filter=Q(status=R.ATTENDED)),
        no_show=Count("pk", filter=Q(status=R.NO_SHOW)),
    )
    completed = None
    if event.completion_sessions:
        completed = (
            event.registrations.annotate(n=Count("attendances"))
            .filter(n__gte=event.completion_sessions)
            .count()
        )
    ratings = list(event.registrations.exclude(rating=None).values_list("rating", flat=True))
    rating = round(sum(ratings) / len(ratings), 1) if ratings else None
    return EventFigures(capacity=event.capacity, completed=completed, rating=rating, **rows)


def rooms_for(user: User) -> QuerySet[Room]:
    return scoped(Room.objects.all(), user, roles=EVENT_READERS)


def room_for(user: User, pk: int) -> Room:
    room = rooms_for(user).select_related("area").filter(pk=pk).first()
    if room is None:
        raise NotFound()
    return room


def bookings_for(user: User) -> QuerySet[Booking]:
    return scoped(Booking.objects.all(), user, roles=EVENT_READERS)
