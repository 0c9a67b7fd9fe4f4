"""iCalendar (RFC 5545) for events: one event's sessions, or a subdistrict's published events."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from gongzhi.events.models import Event


def calendar_of(events: Iterable[Event], *, name: str, base_url: str = "") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//gongzhi//events//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone.get_current_timezone_name())
    stamp = timezone.now()
    for event in events:
        for session in event.sessions.all():
            item = VEvent()
            item.add("uid", f"gongzhi-event-{event.pk}-{session.number}@gongzhi")
            item.add("dtstamp", stamp)
            item.add("dtstart", session.starts_at)
            item.add("dtend", session.ends_at)
            title = event.title if event.sessions.count() == 1 else f"{event.title}（第{session.number}次）"
            item.add("summary", title)
            item.add("location", event.venue)
            item.add("description", (session.topic + "\n" if session.topic else "") + event.description)
            if base_url:
                item.add("url", f"{base_url}{event.pk}/")
            item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
            cal.add_component(item)
    return cal.to_ical()
