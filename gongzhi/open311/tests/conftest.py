import pytest

from gongzhi.open311 import services
from gongzhi.open311.models import ServiceAttribute


@pytest.fixture
def key_a(world):
    key, secret = services.issue_key(name="12345平台", subdistrict=world.a.subdistrict, actor=None)
    key.secret = secret
    return key


@pytest.fixture
def key_b(world):
    key, secret = services.issue_key(name="B小程序", subdistrict=world.b.subdistrict, actor=None)
    key.secret = secret
    return key


@pytest.fixture
def attributes(world):
    return [
        ServiceAttribute.objects.create(
            category=world.category,
            code="floor",
            datatype="number",
            description="所在楼层",
            required=True,
            order=1,
        ),
        ServiceAttribute.objects.create(
            category=world.category,
            code="kind",
            datatype="singlevaluelist",
            description="充电对象",
            values=[{"key": "ebike", "name": "电瓶车"}, {"key": "car", "name": "电动汽车"}],
            order=2,
        ),
        ServiceAttribute.objects.create(
            category=world.category,
            code="hazards",
            datatype="multivaluelist",
            description="隐患",
            values=[{"key": "fire", "name": "消防通道"}, {"key": "wire", "name": "电线"}],
            order=3,
        ),
    ]
