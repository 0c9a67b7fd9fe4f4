"""Likely duplicates: the index, the intake partials and the CSV command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases.models import Status
from gongzhi.text import selectors
from gongzhi.text.duplicates import DuplicateIndex, Row

from .helpers import make_case, read_rows, write_rows

NOW = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
LAMP = ("路灯不亮", "华阳路100弄门口的路灯坏了一个星期，晚上一片漆黑，老人走路容易摔倒。")
LAMP_AGAIN = ("华阳路100弄路灯坏了", "100弄门口路灯不亮已经一个星期了，晚上很黑，老人容易摔倒，请修一下。")
RUBBISH = ("垃圾没人清运", "菜场后面的垃圾堆了三天没有人清运，臭味很大。")


@pytest.fixture(autouse=True)
def _fresh_indexes():
    selectors.INDEXES.clear()
    yield
    selectors.INDEXES.clear()


def _index() -> DuplicateIndex:
    return DuplicateIndex.build(
        [
            Row(1, "。".join(LAMP), 31.2200, 121.4300, NOW - dt.timedelta(days=3), "A"),
            Row(2, "。".join(RUBBISH), 31.2201, 121.4301, NOW - dt.timedelta(days=2), "A"),
            Row(3, "。".join(LAMP), 31.2600, 121.4300, NOW - dt.timedelta(days=2), "A"),  # 4 km away
            Row(4, "。".join(LAMP), 31.2200, 121.4300, NOW - dt.timedelta(days=200), "A"),  # long ago
        ]
    )


def _lamp_case(world, *, status: str = Status.ASSIGNED, when=None):
    return make_case(
        side=world.a,
        category=world.category,
        title=LAMP[0],
        description=LAMP[1],
        status=status,
        when=when or timezone.now(),
    )


def test_index_finds_similar_text_nearby_and_recent_only():
    found = _index().query("。".join(LAMP_AGAIN), 31.2203, 121.4302, NOW)
    assert [m.id for m in found] == [1]
    assert found[0].distance_m < 100


def test_index_without_a_point_searches_the_subdistrict():
    found = _index().query("。".join(LAMP_AGAIN), None, None, NOW, subdistrict="A")
    assert {m.id for m in found} == {1, 3}


def test_index_adds_new_rows_incrementally():
    index = _index()
    index.add([Row(5, "。".join(RUBBISH), 31.2202, 121.4302, NOW - dt.timedelta(hours=1), "A")])
    found = index.query("。".join(RUBBISH), 31.2202, 121.4302, NOW)
    assert {m.id for m in found} == {2, 5}


def test_staff_partial_lists_an_open_duplicate_in_scope_with_a_link(client, world):
    case = _lamp_case(world)
    client.force_login(world.a.users["dispatcher"])
    response = client.get(
        reverse("text:duplicates"),
        {"title": LAMP_AGAIN[0], "description": LAMP_AGAIN[1], "area": world.a.neighbourhood.pk},
    )
    assert response.status_code == 200
    assert reverse("cases:detail", args=[case.number]) in response.content.decode()


def test_staff_partial_hides_cases_outside_scope(client, world):
    _lamp_case(world)
    client.force_login(world.b.users["dispatcher"])
    response = client.get(
        reverse("text:duplicates"),
        {"title": LAMP_AGAIN[0], "description": LAMP_AGAIN[1], "area": world.a.neighbourhood.pk},
    )
    assert "没有发现疑似重复" in response.content.decode()


def test_public_partial_shows_number_and_status_but_nothing_personal(client, world):
    case = _lamp_case(world)
    case.reporter_name, case.reporter_phone = "张三", "13800001234"
    case.save(update_fields=["reporter_name", "reporter_phone"])
    response = client.get(
        reverse("text:public_duplicates"),
        {"title": LAMP_AGAIN[0], "description": LAMP_AGAIN[1], "subdistrict": world.a.subdistrict.pk},
    )
    body = response.content.decode()
    assert case.number in body and "处置中" in body
    assert "张三" not in body and "1380000" not in body and LAMP[1] not in body


def test_a_long_closed_case_is_not_offered(client, world):
    _lamp_case(world, status=Status.CLOSED, when=timezone.now() - dt.timedelta(days=50))
    found = selectors.likely_duplicates(LAMP_AGAIN[0], LAMP_AGAIN[1], None, None, world.a.subdistrict)
    assert found == []


def test_duplicates_command_finds_a_known_repost_pair(tmp_path):
    rows = read_rows("public_messages.csv")
    known = {"226753", "273925"}  # "A7县新国道107距我家仅3米…" posted twice
    sample = [r for r in rows if r["id"] in known] + [r for r in rows if r["id"] not in known][:300]
    path = write_rows(
        tmp_path / "messages.csv", sample, ["id", "user", "title", "detail", "time", "dislikes", "likes"]
    )
    out = io.StringIO()
    call_command("text", "duplicates", str(path), stdout=out)
    pairs = {tuple(sorted(line.split(",")[:2])) for line in out.getvalue().splitlines()}
    assert ("226753", "273925") in pairs


# ------------------------------------------------------------ pairs and repost groups (issue 21)

TEMPLATE = "{place}的物业公司长期不作为，电梯经常坏，楼道灯不亮，垃圾堆放无人清理，业主多次反映无果，请相关部门督促整改。"


def test_template_complaints_about_different_estates_are_not_duplicates():
    from gongzhi.text.duplicates import all_pairs

    texts = [
        TEMPLATE.format(place="金桂小区"),
        TEMPLATE.format(place="银杏花园"),
        "菜场后面的垃圾堆了三天没人清运。",
    ]
    texts += ["华阳路路灯坏了一个星期。", "学校门口早上堵车严重。"] * 3  # enough texts for the IDF
    ids = list(range(len(texts)))
    pairs = all_pairs(ids, texts, min_score=0.5)
    assert (0, 1) not in {(a, b) for a, b, _ in pairs}
    # The same template about the same estate, told twice, is a repost.
    same = all_pairs(ids, [TEMPLATE.format(place="金桂小区")] * 2 + texts[2:], min_score=0.5)
    assert (0, 1) in {(a, b) for a, b, _ in same}


def test_a_repost_family_comes_back_as_one_group():
    from gongzhi.text.duplicates import repost_groups

    lamp = "。".join(LAMP)
    texts = [
        lamp,
        "。".join(RUBBISH),
        lamp + "请尽快修理！",
        "。".join(LAMP_AGAIN),
        lamp + "已经第三次反映了。",
    ]
    texts += ["学校门口早上堵车严重，希望交警来疏导。", "小区里有人养鸡，每天早上打鸣扰民。"]
    groups = repost_groups(list("abcdefg"), texts, min_score=0.5)
    family = next(g for g in groups if "a" in g)
    assert {"a", "c", "e"} <= set(family) <= {"a", "c", "d", "e"}
    assert groups[0] == family  # the largest first
    assert not {"b", "f", "g"} & {i for g in groups for i in g}
    assert sum(len(g) for g in groups) == len({i for g in groups for i in g})  # no id twice


def test_pairs_do_not_depend_on_the_chunk_size():
    from gongzhi.text.duplicates import all_pairs

    texts = ["。".join(LAMP), "。".join(LAMP_AGAIN), "。".join(RUBBISH), "。".join(LAMP) + "快修", "无关的话"]
    ids = list(range(len(texts)))
    assert all_pairs(ids, texts, min_score=0.3, chunk=1) == all_pairs(ids, texts, min_score=0.3, chunk=1000)
    assert all_pairs(ids, texts, min_score=0.3)


def test_duplicates_command_prints_groups(tmp_path):
    path = tmp_path / "m.csv"
    write_rows(
        path,
        [
            {"id": "1", "title": LAMP[0], "detail": LAMP[1], "time": "2026/5/1 10:00:00"},
            {"id": "2", "title": LAMP[0], "detail": LAMP[1] + "请尽快修理", "time": "2026/5/2 10:00:00"},
            {"id": "3", "title": RUBBISH[0], "detail": RUBBISH[1], "time": "2026/5/3 10:00:00"},
            {"id": "4", "title": "堵车", "detail": "学校门口早上堵车严重。", "time": "2026/5/3 10:00:00"},
        ],
        ["id", "title", "detail", "time"],
    )
    out = io.StringIO()
    call_command("text", "duplicates", str(path), "--groups", stdout=out)
    assert out.getvalue().strip().splitlines() == ["1,2,1 2"]
