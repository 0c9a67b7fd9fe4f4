import datetime as dt
import zoneinfo

from gongzhi.cases import services
from gongzhi.cases.models import Source

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 6, 1)
# The weekly report's sections, in order, with every provider active.
SECTION_KEYS = [
    "cases",
    "carry_over",
    "hot",
    "visits",
    "participation",
    "care",
    "volunteers",
    "events",
    "places",
]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def report(world, *, side="a", area=None, now=None, phone="13812345678", **kwargs):
    target = getattr(world, side)
    params = dict(
        actor=None,
        category=world.category,
        title="楼道飞线充电",
        description="3号楼一楼楼道里有人从窗口拉电线给电瓶车充电，很危险。",
        source=Source.WEB,
        area=area or target.estate,
        reporter_phone=phone,
        reporter_name="王先生",
        now=now,
    )
    params.update(kwargs)
    return services.create_case(**params)


def closed_case(
    world,
    *,
    side="a",
    now,
    rating=None,
    solved=True,
    reply="已拆除飞线，张贴告示。",
    verify_note="现场复核",
    step=dt.timedelta(minutes=10),
    **kwargs,
):
    """A case taken through the loop from `now`, one `step` between actions, optionally rated."""
    target = getattr(world, side)
    dispatcher = target.users["dispatcher"]
    case = report(world, side=side, now=now, **kwargs)
    case = services.accept_case(case=case, actor=dispatcher, now=now + step)
    case = services.assign_case(
        case=case, actor=dispatcher, tier=1, unit=target.committee, now=now + 2 * step
    )
    case = services.reply_case(case=case, actor=target.users["neighbourhood"], text=reply, now=now + 3 * step)
    case = services.verify_case(
        case=case, actor=dispatcher, passed=True, note=verify_note, now=now + 4 * step
    )
    case = services.close_case(case=case, actor=dispatcher, now=now + 5 * step)
    if rating:
        case = services.rate_case(case=case, rating=rating, solved=solved, now=now + 6 * step)
    return case
