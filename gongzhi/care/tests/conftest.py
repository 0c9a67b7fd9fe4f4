import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.care import services
from gongzhi.core import calendar
from gongzhi.core.models import CalendarDay
from gongzhi.registry import services as registry
from gongzhi.registry.models import Tag, TagGroup, TagGroupKind
from gongzhi.registry.tests.conftest import person_id
from gongzhi.territory.services import create_area

# A Monday before the National Day holiday of 2026 (1–7 October off, Saturday 10 October worked).
MONDAY = dt.datetime(2026, 9, 28, 8, 0)


def at(day: dt.date | dt.datetime, hour: int = 10, minute: int = 0) -> dt.datetime:
    if isinstance(day, dt.datetime):
        day = day.date()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class Care:
    """Elders in both subdistricts, a saved group (独居 AND 80+) and its recipients."""

    def __init__(self, world):
        self.world = world
        for offset in range(7):
            CalendarDay.objects.update_or_create(
                date=dt.date(2026, 10, 1) + dt.timedelta(days=offset),
                defaults={"is_workday": False, "name": "国庆节"},
            )
        CalendarDay.objects.update_or_create(
            date=dt.date(2026, 10, 10), defaults={"is_workday": True, "name": "国庆节"}
        )
        calendar.invalidate()
        a, b = world.a, world.b
        self.building_a = create_area(code="A-B1", name="A小区1号楼", kind="building", parent=a.estate)
        self.building_b = create_area(code="B-B1", name="B小区1号楼", kind="building", parent=b.estate)
        group_a = TagGroup.objects.create(
            subdistrict=a.subdistrict, code="local", name="自定义", kind=TagGroupKind.LOCAL
        )
        group_b = TagGroup.objects.create(
            subdistrict=b.subdistrict, code="local", name="自定义", kind=TagGroupKind.LOCAL
        )
        self.alone_a = Tag.objects.create(subdistrict=a.subdistrict, group=group_a, name="独居")
        self.alone_b = Tag.objects.create(subdistrict=b.subdistrict, group=group_b, name="独居")
        self.elders = []
        for n, (building, tag, name, born) in enumerate(
            [
                (self.building_a, self.alone_a, "王秀英", dt.date(1938, 3, 2)),
                (self.building_a, self.alone_a, "陈阿婆", dt.date(1941, 7, 9)),
                (self.building_a, self.alone_a, "赵老伯", dt.date(1962, 1, 1)),  # too young for the group
                (self.building_b, self.alone_b, "李建国", dt.date(1936, 5, 17)),
            ],
            start=1,
        ):
            dwelling = registry.create_dwelling(actor=None, area=building, data={"room": f"{n}01"})
            resident = registry.register_resident(
                actor=None,
                dwelling=dwelling,
                data={
                    "name": name,
                    "id_number": person_id(n, born),
                    "birth_date": born,
                    "phone": f"1390000{n:04d}",
                },
            )
            registry.tag_resident(actor=None, resident=resident, tag=tag, valid_from=dt.date(2020, 1, 1))
            self.elders.append(resident)
        self.group_a = services.save_group(
            actor=a.users["leader"],
            area=a.subdistrict,
            name="独居高龄（80岁以上）",
            tags=[self.alone_a],
            min_age=80,
        )
        self.group_b = services.save_group(
            actor=b.users["leader"], area=b.subdistrict, name="独居高龄", tags=[self.alone_b], min_age=80
        )


@pytest.fixture
def care(world):
    with time_machine.travel(MONDAY, tick=False):
        yield Care(world)
