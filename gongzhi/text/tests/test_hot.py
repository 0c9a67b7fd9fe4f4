"""Hot issues: the page for leaders respects scope; the CSV command prints clusters."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases.models import Status

from .helpers import make_case, read_rows, write_rows

REPORTS = [
    ("A小区3号楼飞线充电", "A小区3号楼有人从窗口拉电线给电动车充电，火灾隐患很大"),
    ("A小区3号楼电动车飞线充电", "3号楼窗口又拉了电线下来给电动车充电，太危险了"),
    ("飞线充电问题 A小区3号楼", "A小区3号楼电动车飞线充电，晚上电线挂在窗外，有火灾隐患"),
    ("A小区3号楼窗口拉线充电", "A小区3号楼一楼窗口拉线给电动车充电，请尽快处理火灾隐患"),
]


@pytest.fixture
def cluster_in_a(world):
    now = timezone.now()
    return [
        make_case(
            side=world.a,
            category=world.category,
            title=t,
            description=d,
            status=Status.ASSIGNED,
            when=now - dt.timedelta(days=i),
        )
        for i, (t, d) in enumerate(REPORTS)
    ] + [
        make_case(
            side=world.a,
            category=world.category,
            title="菜场门口垃圾满溢",
            description="菜场门口的垃圾桶满了没人清运",
            status=Status.ASSIGNED,
            when=now,
        )
    ]


def test_leader_sees_the_hot_issue_of_their_subdistrict(client, world, cluster_in_a):
    client.force_login(world.a.users["leader"])
    response = client.get(reverse("text:hot"))
    body = response.content.decode()
    assert response.status_code == 200
    for case in cluster_in_a[:4]:
        assert case.number in body
    assert cluster_in_a[4].number not in body


def test_hot_issues_of_another_subdistrict_are_invisible(client, world, cluster_in_a):
    client.force_login(world.b.users["leader"])
    body = client.get(reverse("text:hot")).content.decode()
    assert all(case.number not in body for case in cluster_in_a)
    assert "没有发现热点问题" in body


def test_hot_page_is_refused_to_a_handler(client, world):
    client.force_login(world.a.users["handler"])
    assert client.get(reverse("text:hot")).status_code == 403


def test_hot_command_prints_a_known_cluster(tmp_path):
    rows = read_rows("public_messages.csv")
    # The concrete-mixing plant beside 丽发新城 (dust and noise), reported again and again.
    plant = [r for r in rows if "丽发" in r["title"] and "搅拌" in r["title"]]
    others = [r for r in rows if r not in plant][:200]
    path = write_rows(
        tmp_path / "m.csv", plant + others, ["id", "user", "title", "detail", "time", "dislikes", "likes"]
    )
    out = io.StringIO()
    call_command("text", "hot", str(path), stdout=out)
    lines = out.getvalue().splitlines()
    plant_ids = {r["id"] for r in plant}
    best = max(lines, key=lambda line: len(plant_ids & set(line.split(",")[1].split())))
    size, ids, terms = best.split(",", 2)
    assert len(plant_ids & set(ids.split())) >= 3
    assert int(size) == len(ids.split())


def test_leader_turns_a_hot_issue_into_a_tier_three_coordination(client, world, cluster_in_a):
    from gongzhi.cases.models import Case

    Case.objects.filter(pk__in=[c.pk for c in cluster_in_a]).update(tier=1, assigned_unit=world.a.committee)
    client.force_login(world.a.users["leader"])
    response = client.post(reverse("text:hot_escalate"), {"case": [c.number for c in cluster_in_a[:4]]})
    first = min(cluster_in_a[:4], key=lambda c: (c.created_at, c.pk))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.tier == 3
    assert cluster_in_a[0].number in first.events.filter(action="escalate").last().note


def test_a_leader_cannot_escalate_another_subdistricts_hot_issue(client, world, cluster_in_a):
    from gongzhi.cases.models import Case

    Case.objects.filter(pk__in=[c.pk for c in cluster_in_a]).update(tier=1, assigned_unit=world.a.committee)
    client.force_login(world.b.users["leader"])
    client.post(reverse("text:hot_escalate"), {"case": [c.number for c in cluster_in_a[:4]]})
    assert not Case.objects.filter(pk__in=[c.pk for c in cluster_in_a], tier=3).exists()
