import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Scenario


class Vol:
    """Volunteers, a scenario, an activity and a reward in subdistrict A (and one volunteer in B)."""

    def __init__(self, world):
        self.world = world
        a = world.a
        self.manager = a.users["neighbourhood"]
        self.leader = a.users["leader"]
        self.gridworker = a.users["gridworker"]
        self.alice = services.register_volunteer(
            actor=self.manager, area=a.neighbourhood, name="张阿姨", phone="13800000001"
        )
        self.bob = services.register_volunteer(
            actor=self.manager, area=a.neighbourhood, name="李师傅", phone="13800000002"
        )
        self.other = services.register_volunteer(
            actor=world.b.users["neighbourhood"],
            area=world.b.neighbourhood,
            name="王同学",
            phone="13800000003",
        )
        self.scenario = Scenario.objects.create(subdistrict=a.subdistrict, name="助老")
        now = timezone.now()
        self.start = now + dt.timedelta(hours=2)
        self.opportunity = services.create_opportunity(
            actor=self.manager,
            area=a.neighbourhood,
            scenario=self.scenario,
            title="为独居老人送餐",
            place="A一居活动室",
            starts_at=self.start,
            ends_at=self.start + dt.timedelta(hours=3),
            slots=2,
        )
        self.reward = services.create_reward(
            actor=self.manager, area=a.neighbourhood, name="大米5斤", points=30, stock=3
        )

    def give(self, volunteer, points: int):
        """Points for a test, as a leader's correction (the one way in without an activity)."""
        return services.correct(actor=self.leader, volunteer=volunteer, points=points, reason="测试初始积分")


@pytest.fixture
def vol(world):
    return Vol(world)
