import datetime as dt

from django.utils import timezone

from gongzhi.events import services
from gongzhi.events.models import Allocation

# Registration opens on a Monday; the course's twelve weekly sessions start a fortnight later.
OPENS = timezone.make_aware(dt.datetime(2030, 3, 4, 10, 0))
DURING = OPENS + dt.timedelta(days=1)
CLOSES = OPENS + dt.timedelta(days=7)
FIRST = timezone.make_aware(dt.datetime(2030, 3, 18, 19, 0))


def sessions(n=1, first=FIRST):
    return [
        services.SessionSpec(
            starts_at=first + dt.timedelta(weeks=i),
            ends_at=first + dt.timedelta(weeks=i, hours=2),
            topic=f"第{i + 1}课",
        )
        for i in range(n)
    ]


def make_event(world, *, side="a", publish=True, n_sessions=1, **kwargs):
    s = getattr(world, side)
    fields = {
        "kind": "night_school",
        "title": "夜校·沪剧入门",
        "venue": "A一居党群服务站二楼",
        "capacity": 2,
        "waitlist_limit": 2,
        "registration_opens_at": OPENS,
        "registration_closes_at": CLOSES,
        "sessions": sessions(n_sessions),
        "allocation": Allocation.FIRST_COME,
    }
    fields.update(kwargs)
    event = services.create_event(actor=s.users["neighbourhood"], area=s.neighbourhood, **fields)
    if publish:
        event = services.publish_event(event=event, actor=s.users["neighbourhood"])
    return event


def phone(i: int) -> str:
    return f"139{i:08d}"


def sign_up(event, i, now=DURING, **kwargs):
    return services.register(event=event, name=f"居民{i}", phone=phone(i), now=now, **kwargs)
