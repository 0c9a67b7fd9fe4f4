import datetime as dt

import pytest

from gongzhi.cobuilding.models import BranchLevel, PartyBranch
from gongzhi.registry import services as registry
from gongzhi.registry.models import Organization
from gongzhi.territory import geo


def org(area, name: str, kind: str = "enterprise", **extra) -> Organization:
    return registry.create_organization(actor=None, area=area, data={"name": name, "kind": kind, **extra})


class Net:
    """Units and party organisations in both subdistricts of the test world."""

    def __init__(self, world):
        geo.invalidate()
        self.world = world
        a, b = world.a, world.b
        self.party_a = org(a.neighbourhood, "A一居党总支", "party_organization")
        self.cohesion_a = org(a.grid, "A凝聚力党支部", "party_organization")
        self.party_b = org(b.neighbourhood, "B一居党总支", "party_organization")
        self.branch_a = PartyBranch.objects.create(
            subdistrict=a.subdistrict,
            area=a.neighbourhood,
            organization=self.party_a,
            level=BranchLevel.GENERAL_BRANCH,
        )
        self.cohesion = PartyBranch.objects.create(
            subdistrict=a.subdistrict,
            area=a.grid,
            organization=self.cohesion_a,
            level=BranchLevel.COHESION_BRANCH,
            parent=self.branch_a,
        )
        self.branch_b = PartyBranch.objects.create(
            subdistrict=b.subdistrict,
            area=b.neighbourhood,
            organization=self.party_b,
            level=BranchLevel.BRANCH,
        )
        self.firm_a = org(a.estate, "A科技有限公司")
        self.shop_a = org(a.neighbourhood, "A便利店", "shop")
        self.shop_a2 = org(a.other_neighbourhood, "A面馆", "shop")
        self.social_a = org(a.other_neighbourhood, "A为老服务社", "social_organization")
        self.school_a = org(a.neighbourhood, "A第一小学", "school")  # not a new-sector unit
        self.firm_b = org(b.estate, "B物流公司")
        self.shop_b = org(b.neighbourhood, "B药房", "shop")
        self.start = dt.date(2026, 1, 5)


@pytest.fixture
def net(world):
    return Net(world)
