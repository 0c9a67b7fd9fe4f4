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


# ------------------------------------------------------------ local matters (issue 21)

FILLER = [
    ("学校门口早上堵车", "学校门口每天早上接送孩子的车堵成一片，希望交警疏导。"),
    ("菜场垃圾没人清运", "菜场后面的垃圾堆了三天没有人清运，臭味很大。"),
    ("公园路灯不亮", "公园里的路灯坏了一个星期，晚上散步看不见路。"),
    ("楼上漏水", "楼上卫生间漏水到我家天花板，物业不管。"),
    ("广场舞噪音", "每天晚上广场舞音响太响，影响休息。"),
    ("共享单车乱停", "地铁口共享单车乱停，挡住盲道。"),
]


def _items(rows):
    from gongzhi.text.hot import Item

    return [Item(str(n), t, t + "。" + d) for n, (t, d) in enumerate(rows)]


def test_the_same_problem_in_two_estates_is_two_matters():
    from gongzhi.text.hot import hot_issues

    mixer = [
        ("{p}附近搅拌站噪音扰民", "{p}旁边的水泥搅拌站日夜施工，粉尘和噪音严重影响居民生活。"),
        ("投诉{p}搅拌站污染", "{p}小区边上的搅拌站粉尘很大，晚上还在作业。"),
        ("{p}搅拌站何时搬走", "{p}居民深受搅拌站噪音和粉尘之苦，请求搬迁。"),
    ]
    rows = [(t.format(p=p), d.format(p=p)) for p in ("丽发新城", "金桂花园") for t, d in mixer] + FILLER * 2
    clusters = hot_issues(_items(rows), min_size=3)
    groups = [set(c.ids) for c in clusters]
    assert {"0", "1", "2"} in groups and {"3", "4", "5"} in groups


def test_reposts_collapse_into_their_matter():
    from gongzhi.text.hot import hot_issues

    repost = ("丽发新城搅拌站噪音扰民", "丽发新城旁边的水泥搅拌站日夜施工，粉尘和噪音严重影响生活。")
    rows = [repost] * 5 + FILLER * 2
    clusters = hot_issues(_items(rows), min_size=3)
    assert [set(c.ids) for c in clusters] == [{"0", "1", "2", "3", "4"}]


def test_evaluation_scores_the_best_cluster_of_each_issue():
    from gongzhi.text.hot import Cluster, agreed_issues, evaluate

    readings = {"t1": {"1": {"a", "b", "c", "d"}, "2": {"x"}}, "t2": {"9": {"a", "b", "c", "e"}}}
    agreed = agreed_issues(readings)
    assert agreed == {"t1:1∩t2:9": {"a", "b", "c"}}
    clusters = [Cluster(ids=["a", "b"], terms=[], size=2, recent=0, support=0, first=None, last=None)]
    [score] = evaluate(clusters, agreed)
    assert score.best_jaccard == pytest.approx(2 / 3) and score.best_size == 2


def test_hot_command_evaluates_against_readings(tmp_path):
    rows = [
        {"id": str(n), "title": t, "detail": d, "time": f"2026/5/{n % 28 + 1} 10:00:00"}
        for n, (t, d) in enumerate(REPORTS + FILLER * 2)
    ]
    messages = write_rows(tmp_path / "m.csv", rows, ["id", "title", "detail", "time"])
    readings = tmp_path / "readings.csv"
    readings.write_text(
        "team,issue,message_id\n" + "".join(f"t{t},1,{i}\n" for t in (1, 2) for i in range(4)),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("text", "hot", str(messages), "--evaluate", str(readings), stdout=out)
    text = out.getvalue()
    assert "t1:1∩t2:1,4,1.000,4" in text
    assert "1 of 1 at 0.5 or more" in text
