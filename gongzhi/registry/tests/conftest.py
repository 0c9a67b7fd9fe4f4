import datetime as dt

import pytest

from gongzhi.registry import services
from gongzhi.registry.models import Tag, TagGroup, TagGroupKind
from gongzhi.registry.validators import make_id_number
from gongzhi.territory.services import create_area


def person_id(n: int, born: dt.date = dt.date(1950, 5, 17)) -> str:
    return make_id_number("310105", born, n)


class Reg:
    """Registry rows in both subdistricts of the test world."""

    def __init__(self, world):
        self.world = world
        self.building_a = create_area(code="A-B1", name="A小区1号楼", kind="building", parent=world.a.estate)
        self.building_b = create_area(code="B-B1", name="B小区1号楼", kind="building", parent=world.b.estate)
        self.dwelling_a = services.create_dwelling(
            actor=None,
            area=self.building_a,
            data={"room": "101", "use": "自住", "owner_phone": "13812345678"},
        )
        self.dwelling_b = services.create_dwelling(actor=None, area=self.building_b, data={"room": "201"})
        self.resident_a = services.register_resident(
            actor=None,
            dwelling=self.dwelling_a,
            data={"name": "王秀英", "id_number": person_id(1), "phone": "13900001111", "relation": "户主"},
        )
        self.resident_b = services.register_resident(
            actor=None,
            dwelling=self.dwelling_b,
            data={"name": "李建国", "id_number": person_id(2), "phone": "13900002222"},
        )
        self.group_a = TagGroup.objects.create(
            subdistrict=world.a.subdistrict, code="nine", name="九类救助", kind=TagGroupKind.NINE
        )
        self.alone_a = Tag.objects.create(subdistrict=world.a.subdistrict, group=self.group_a, name="独居")
        self.poor_a = Tag.objects.create(subdistrict=world.a.subdistrict, group=self.group_a, name="低保")


@pytest.fixture
def reg(world):
    return Reg(world)
