"""The demo's old-area project (made small): its holdouts' plans come in through the plan
import and the signing round is extended through the round edit."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from gongzhi.accounts.models import AuditEvent
from gongzhi.renewal import demo
from gongzhi.renewal.models import Project
from gongzhi.territory.services import create_area

pytestmark = pytest.mark.django_db


def test_the_demo_project_imports_its_plans_and_extends_its_signing_round(world, monkeypatch):
    monkeypatch.setattr(demo, "CERTIFICATES", 40)
    monkeypatch.setattr(demo, "SIGNED", 37)
    monkeypatch.setattr(demo, "FIRST_DAY", 30)
    create_area(code=f"{world.a.estate.code}-B1", name="1号楼", kind="building", parent=world.a.estate)
    today = timezone.localdate()
    leader = world.a.users["leader"]
    demo._old_area(leader, [], world.a.estate, random.Random(7), today)
    project = Project.objects.get()
    holdouts = project.certificates.exclude(state="signed")
    assert holdouts.count() == 3 and all(c.plan.startswith("包保干部每周上门") for c in holdouts)
    assert project.rounds.get(number=2).closes_on == today + dt.timedelta(days=84)
    assert AuditEvent.objects.filter(action__in=["renewal.import_plans", "renewal.update_round"]).count() == 2
