"""Shared test helpers for the open311 tests."""

from gongzhi.cases import services as case_services
from gongzhi.cases.models import Source

# A point inside A's estate (deepest area) and one inside B.
A_POINT = {"lat": "31.2005", "long": "121.4005"}
B_POINT = {"lat": "31.2005", "long": "121.5005"}


def file_staff_case(world, side, **kwargs):
    """A case filed by the side's grid worker on patrol (kwargs override)."""
    params = dict(
        actor=side.users["gridworker"],
        category=world.category,
        title="楼道飞线充电",
        description="巡查发现飞线充电",
        source=Source.PATROL,
        area=side.neighbourhood,
    )
    params.update(kwargs)
    return case_services.create_case(**params)
