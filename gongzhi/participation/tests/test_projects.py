"""Community projects through every stage."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.errors import DomainError, InvalidTransition
from gongzhi.participation import services
from gongzhi.participation.models import ItemSource, ProjectStage

pytestmark = pytest.mark.django_db

GOOD = {"need": 9, "participation": 8, "feasibility": 8, "cost": 7, "maintenance": 8}


def test_a_project_from_idea_to_done(world):
    lead = world.a.users["neighbourhood"]
    p = services.create_project(actor=lead, area=world.a.estate, title="口袋花园众享空间")
    step = services.advance_project
    with pytest.raises(InvalidTransition):
        step(actor=lead, project=p, action="build", data={"owner": world.a.committee})
    step(actor=lead, project=p, action="incubate", data={"planner": "社区规划师 周工"})
    with pytest.raises(DomainError, match="自筹"):
        step(
            actor=lead,
            project=p,
            action="design",
            data={"budget": "100", "funding": "self_governance", "cofunding": "200"},
        )
    step(
        actor=lead,
        project=p,
        action="design",
        data={
            "budget": "20000",
            "funding": "self_governance",
            "cofunding": "3057",
            "cofunding_households": 10,
        },
    )
    with pytest.raises(DomainError, match="低于"):
        step(actor=lead, project=p, action="review", data={"scores": dict.fromkeys(GOOD, 3)})
    p = step(actor=lead, project=p, action="review", data={"scores": GOOD})
    assert p.review_total == 80
    p = step(actor=lead, project=p, action="publicise", data={"notice_days": 7})
    services.record_objection(actor=lead, project=p, objection="担心夜间噪声")
    with pytest.raises(DomainError, match="公示期"):
        step(actor=lead, project=p, action="vote")
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        step(actor=lead, project=p, action="vote")
        with pytest.raises(DomainError, match="赞成票"):
            step(actor=lead, project=p, action="build", data={"yes": 3, "no": 5, "owner": world.a.committee})
        p = step(actor=lead, project=p, action="build", data={"yes": 60, "no": 5, "owner": world.a.committee})
    assert p.stage == ProjectStage.BUILD and p.task.source == ItemSource.PROJECT
    with pytest.raises(DomainError, match="尚未完成"):
        step(actor=lead, project=p, action="hand_over", data={"maintainer": "业委会"})
    services.act_on_item(actor=lead, item=p.task, action="finish")
    step(actor=lead, project=p, action="hand_over", data={"maintainer": "小区业委会与物业"})
    step(actor=lead, project=p, action="evaluate")
    p = step(actor=lead, project=p, action="finish", data={"evaluation": "使用率高，维护良好"})
    assert p.stage == ProjectStage.DONE
