"""Setting care up: saved groups, the subdistrict's frequencies, a person's risk and who looks
after them — through the services (bad input: a clear message, nothing written; audited), the
staff pages, the API and the overdue map."""

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from gongzhi.accounts.models import AuditEvent
from gongzhi.care import services
from gongzhi.care.models import Assignment, CareGroup, CarePolicy, Due, Recipient
from gongzhi.care.tests.conftest import MONDAY, at
from gongzhi.care.tests.test_api import token_for
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.registry import services as registry
from gongzhi.volunteers import services as volunteer_services


def _enrolled(care) -> tuple[Recipient, Recipient]:
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    first = Recipient.objects.get(resident=care.elders[0])
    second = Recipient.objects.get(resident=care.elders[1])
    return first, second


def _shop(care):
    return registry.create_organization(
        actor=None, area=care.world.a.neighbourhood, data={"name": "老山东水果店", "kind": "商户"}
    )


def _volunteer(care, name="张阿姨", phone="13800000001", side="a"):
    world_side = getattr(care.world, side)
    return volunteer_services.register_volunteer(
        actor=world_side.users["neighbourhood"], area=world_side.neighbourhood, name=name, phone=phone
    )


# ---------------------------------------------------------------- groups


def test_editing_a_group_changes_who_the_sweep_enrols_and_is_audited(care):
    leader = care.world.a.users["leader"]
    services.sync_population(today=MONDAY.date())
    assert Recipient.objects.filter(subdistrict=care.world.a.subdistrict, active=True).count() == 2
    services.save_group(
        actor=leader,
        group=care.group_a,
        area=care.world.a.subdistrict,
        name="独居（60岁以上）",
        tags=[care.alone_a],
        min_age=60,
        risk="low",
    )
    services.sync_population(today=MONDAY.date())
    assert Recipient.objects.filter(subdistrict=care.world.a.subdistrict, active=True).count() == 3
    event = (
        AuditEvent.objects.filter(action="care.group_save", object_id=str(care.group_a.pk))
        .order_by("pk")
        .last()
    )
    assert event.data["before"]["min_age"] == 80 and event.data["min_age"] == 60
    services.save_group(
        actor=leader,
        group=care.group_a,
        area=care.world.a.subdistrict,
        name="独居（60岁以上）",
        tags=[care.alone_a],
        min_age=60,
        active=False,
    )
    services.sync_population(today=MONDAY.date())
    assert not Recipient.objects.filter(subdistrict=care.world.a.subdistrict, active=True).exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": " "}, "请填写人群名称"),
        ({"name": "长" * 61}, "不能超过60个字"),
        ({"tags": []}, "请至少选择一个标签"),
        ({"min_age": 130}, "年龄应在0到120之间"),
        ({"risk": "extreme"}, "请选择风险等级"),
    ],
)
def test_a_bad_group_is_refused_and_nothing_changes(care, change, message):
    arguments = {
        "actor": care.world.a.users["leader"],
        "group": care.group_a,
        "area": care.world.a.subdistrict,
        "name": "改名",
        "tags": [care.alone_a],
        "min_age": 70,
        "risk": "high",
    } | change
    with pytest.raises(DomainError, match=message):
        services.save_group(**arguments)
    care.group_a.refresh_from_db()
    assert (care.group_a.name, care.group_a.min_age, care.group_a.risk) == (
        "独居高龄（80岁以上）",
        80,
        "medium",
    )


def test_a_group_takes_no_tags_of_another_subdistrict_and_no_one_edits_across_scope(care):
    with pytest.raises(DomainError, match="标签须属于本街道"):
        services.save_group(
            actor=care.world.a.users["leader"],
            area=care.world.a.subdistrict,
            name="混用",
            tags=[care.alone_b],
        )
    with pytest.raises(NotAllowed):
        services.save_group(
            actor=care.world.b.users["leader"],
            group=care.group_a,
            area=care.world.b.subdistrict,
            name="越权",
            tags=[care.alone_b],
        )
    with pytest.raises(NotAllowed):  # a neighbourhood manages groups of its own neighbourhood only
        services.save_group(
            actor=care.world.a.users["neighbourhood"],
            group=care.group_a,
            area=care.world.a.subdistrict,
            name="越权",
            tags=[care.alone_a],
        )
    assert CareGroup.objects.count() == 2


# ---------------------------------------------------------------- policy


def test_the_policy_sets_the_frequency_of_the_next_due(care):
    first, _second = _enrolled(care)
    leader = care.world.a.users["leader"]
    services.save_policy(
        actor=leader,
        subdistrict=care.world.a.subdistrict,
        high="daily",
        medium="weekly",
        low="monthly",
        margin_days=2,
        subdistrict_after_days=3,
        not_reached_limit=3,
    )
    assert services.frequency_of(first) == "weekly"
    with time_machine.travel(at(MONDAY, 11), tick=False):
        services.record_check_in(actor=leader, recipient=first, mode="phone", outcome="well")
    assert Due.objects.get(recipient=first, met_at__isnull=True).frequency == "weekly"
    assert AuditEvent.objects.filter(action="care.policy_save").count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"high": "weekly", "medium": "daily"}, "风险越高"),
        ({"low": "yearly"}, "请选择联系频次"),
        ({"margin_days": -1}, "数值应在0到10之间"),
        ({"not_reached_limit": 0}, "数值应在1到5之间"),
    ],
)
def test_a_bad_policy_is_refused(care, change, message):
    arguments = {
        "actor": care.world.a.users["leader"],
        "subdistrict": care.world.a.subdistrict,
        "high": "daily",
        "medium": "twice_weekly",
        "low": "weekly",
        "margin_days": 1,
        "subdistrict_after_days": 2,
        "not_reached_limit": 2,
    } | change
    with pytest.raises(DomainError, match=message):
        services.save_policy(**arguments)
    assert not CarePolicy.objects.exists()


def test_only_the_subdistrict_sets_the_policy(care):
    with pytest.raises(NotAllowed):
        services.save_policy(
            actor=care.world.a.users["neighbourhood"],
            subdistrict=care.world.a.subdistrict,
            high="daily",
            medium="twice_weekly",
            low="weekly",
            margin_days=1,
            subdistrict_after_days=2,
            not_reached_limit=2,
        )


# ---------------------------------------------------------------- assignments


def test_assigning_replacing_and_ending_carers(care):
    first, _second = _enrolled(care)
    manager = care.world.a.users["neighbourhood"]
    worker = care.world.a.users["gridworker"]
    shop = _shop(care)
    made = services.assign(
        actor=manager, recipient=first, role="primary", kind="gridworker", user=worker, expected=0
    )
    backup = services.assign(
        actor=manager,
        recipient=first,
        role="backup",
        kind="unit",
        organization=shop,
        duties="每天开店时看一眼",
        expected=0,
    )
    volunteer = _volunteer(care)
    replaced = services.assign(
        actor=manager,
        recipient=first,
        role="primary",
        kind="neighbour",
        volunteer=volunteer,
        expected=made.pk,
    )
    made.refresh_from_db()
    assert not made.active and made.ended_on == MONDAY.date()
    assert set(Assignment.objects.filter(recipient=first, active=True)) == {backup, replaced}
    services.end_assignment(actor=manager, assignment=backup)
    with pytest.raises(Conflict, match="已经结束"):
        services.end_assignment(actor=manager, assignment=backup)
    assert list(Assignment.objects.filter(recipient=first, active=True)) == [replaced]
    actions = list(
        AuditEvent.objects.filter(object_id=str(first.pk), action__startswith="care.assign")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["care.assign", "care.assign", "care.assign", "care.assignment_end"]


def test_an_assignment_changed_meanwhile_is_refused(care):
    first, _second = _enrolled(care)
    manager = care.world.a.users["neighbourhood"]
    services.assign(
        actor=manager,
        recipient=first,
        role="primary",
        kind="gridworker",
        user=care.world.a.users["gridworker"],
    )
    with pytest.raises(Conflict, match="刚被他人修改"):
        services.assign(
            actor=manager, recipient=first, role="primary", kind="neighbourhood", user=manager, expected=0
        )
    assert Assignment.objects.get(recipient=first, active=True).kind == "gridworker"


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"role": "boss", "kind": "gridworker", "user": "gridworker"}, "请选择主责或备岗"),
        ({"role": "primary", "kind": "cousin", "user": "gridworker"}, "请选择结对类型"),
        ({"role": "primary", "kind": "gridworker"}, "请选择一位结对人"),
        ({"role": "primary", "kind": "gridworker", "user": "dispatcher"}, "须能在该对象所在区域"),
        ({"role": "primary", "kind": "gridworker", "user": "b_gridworker"}, "须能在该对象所在区域"),
        ({"role": "primary", "kind": "volunteer", "volunteer": "other"}, "本街道在册的志愿者"),
        ({"role": "primary", "kind": "unit", "user": "gridworker"}, "本街道的成员单位"),
        ({"role": "backup", "kind": "gridworker", "user": "gridworker", "duties": "长" * 201}, "200个字"),
        ({"role": "backup", "kind": "neighbourhood", "user": "neighbourhood"}, "主责和备岗不能是同一人"),
    ],
)
def test_a_bad_assignment_is_refused_and_nothing_is_written(care, arguments, message):
    first, _second = _enrolled(care)
    manager = care.world.a.users["neighbourhood"]
    services.assign(actor=manager, recipient=first, role="primary", kind="neighbourhood", user=manager)
    users = care.world.a.users | {"b_gridworker": care.world.b.users["gridworker"]}
    arguments = dict(arguments)
    if "user" in arguments:
        arguments["user"] = users[arguments["user"]]
    if "volunteer" in arguments:
        arguments["volunteer"] = _volunteer(care, "王同学", "13800000003", side="b")
    before = list(Assignment.objects.values_list("pk", "active"))
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError, match=message):
        services.assign(actor=manager, recipient=first, **arguments)
    assert list(Assignment.objects.values_list("pk", "active")) == before
    assert AuditEvent.objects.count() == events


def test_a_gridworker_cannot_assign(care):
    first, _second = _enrolled(care)
    worker = care.world.a.users["gridworker"]
    with pytest.raises(NotAllowed):
        services.assign(actor=worker, recipient=first, role="primary", kind="gridworker", user=worker)


# ---------------------------------------------------------------- pages


def test_group_pages(care, client):
    leader = care.world.a.users["leader"]
    client.force_login(leader)
    page = client.get(reverse("care:groups"))
    text = page.content.decode()
    assert page.status_code == 200 and "独居高龄（80岁以上）" in text and "独居高龄</td>" not in text
    assert 'data-label="名称"' in text
    assert client.get(reverse("care:group_new")).status_code == 200
    bad = client.post(
        reverse("care:group_new"),
        {"name": "孤老", "area": care.world.a.subdistrict.pk, "min_age": "八十", "risk": "high"},
    )
    assert bad.status_code == 400 and "最低年龄请填写整数" in bad.content.decode()
    none = client.post(
        reverse("care:group_new"), {"name": "孤老", "area": care.world.a.subdistrict.pk, "risk": "high"}
    )
    assert none.status_code == 400 and "请至少选择一个标签" in none.content.decode()
    assert CareGroup.objects.count() == 2
    done = client.post(
        reverse("care:group_edit", args=[care.group_a.pk]),
        {
            "name": "独居（70岁以上）",
            "area": care.world.a.subdistrict.pk,
            "tags": [care.alone_a.pk],
            "min_age": "70",
            "risk": "high",
            "active": "1",
        },
    )
    assert done.status_code == 302
    care.group_a.refresh_from_db()
    assert (care.group_a.name, care.group_a.min_age, care.group_a.risk) == ("独居（70岁以上）", 70, "high")
    client.force_login(care.world.a.users["gridworker"])
    listed = client.get(reverse("care:groups")).content.decode()
    assert "独居（70岁以上）" in listed and reverse("care:group_edit", args=[care.group_a.pk]) not in listed
    assert client.get(reverse("care:group_edit", args=[care.group_a.pk])).status_code == 403
    client.force_login(care.world.b.users["leader"])
    assert client.get(reverse("care:group_edit", args=[care.group_a.pk])).status_code == 404
    client.force_login(care.world.a.users["dispatcher"])
    assert client.get(reverse("care:groups")).status_code == 403


def test_policy_page(care, client):
    client.force_login(care.world.a.users["leader"])
    assert client.get(reverse("care:policy")).status_code == 200
    form = {
        "high": "daily",
        "medium": "daily",
        "low": "weekly",
        "margin_days": "x",
        "subdistrict_after_days": "2",
        "not_reached_limit": "2",
    }
    bad = client.post(reverse("care:policy"), form)
    assert bad.status_code == 400 and "请填写整数" in bad.content.decode() and not CarePolicy.objects.exists()
    assert client.post(reverse("care:policy"), form | {"margin_days": "1"}).status_code == 302
    assert CarePolicy.objects.get(subdistrict=care.world.a.subdistrict).medium == "daily"
    client.force_login(care.world.a.users["neighbourhood"])
    assert client.get(reverse("care:policy")).status_code == 403


def test_plan_page_sets_risk_and_carers(care, client):
    first, _second = _enrolled(care)
    manager = care.world.a.users["neighbourhood"]
    client.force_login(manager)
    url = reverse("care:plan", args=[first.pk])
    page = client.get(url)
    assert page.status_code == 200 and f"user:{care.world.a.users['gridworker'].pk}" in page.content.decode()
    bad = client.post(url, {"form": "risk", "risk": "high", "reasons": ""})
    assert bad.status_code == 400 and "请写明风险原因" in bad.content.decode()
    assert (
        client.post(url, {"form": "risk", "risk": "high", "reasons": "独居，去年跌倒过"}).status_code == 302
    )
    first.refresh_from_db()
    assert first.risk == "high"
    worker = care.world.a.users["gridworker"]
    assign = {"form": "assign", "role": "primary", "kind": "gridworker", "expected": "0"}
    assert client.post(url, assign | {"assignee": "user:nope"}).status_code == 400
    assert client.post(url, assign | {"assignee": f"user:{worker.pk}"}).status_code == 302
    stale = client.post(url, assign | {"assignee": f"user:{manager.pk}", "kind": "neighbourhood"})
    assert stale.status_code == 409 and "刚被他人修改" in stale.content.decode()
    current = Assignment.objects.get(recipient=first, active=True)
    assert current.user == worker
    assert client.post(url, {"form": "end", "assignment": current.pk}).status_code == 302
    assert not Assignment.objects.filter(recipient=first, active=True).exists()
    assert "以往结对" in client.get(url).content.decode()
    client.force_login(worker)
    assert client.get(url).status_code == 403
    client.force_login(care.world.b.users["leader"])
    assert client.get(url).status_code == 404


def test_overdue_map_shows_circles_where_people_are_overdue(care, client):
    first, _second = _enrolled(care)
    care.world.a.estate.refresh_from_db()
    first.risk = "high"
    first.save()
    with time_machine.travel(at(dt.date(2026, 9, 30), 9), tick=False):
        client.force_login(care.world.a.users["gridworker"])
        page = client.get(reverse("care:map"))
        assert page.status_code == 200
        config = page.context["config"]
        assert len(config["points"]) == 1  # the two elders live in one building, drawn at the estate
        point = config["points"][0]
        assert (point["overdue"], point["high"], point["area"]) == (2, 1, "A小区1号楼")
        assert "<script>" not in page.content.decode().replace('<script src="', "")
        assert 'id="care-map-config"' in page.content.decode()
        client.force_login(care.world.b.users["gridworker"])
        other = client.get(reverse("care:map")).context["config"]["points"]
        assert [p["area"] for p in other] == ["B小区1号楼"]  # their own elder, not A's
        client.force_login(care.world.a.users["dispatcher"])
        assert client.get(reverse("care:map")).status_code == 403


# ---------------------------------------------------------------- API


def test_api_writes_groups_policy_risk_and_assignments(care, client):
    first, _second = _enrolled(care)
    leader = token_for(care.world.a.users["leader"])
    worker = care.world.a.users["gridworker"]

    def post(url, body, auth=leader, method="post"):
        return getattr(client, method)(url, json.dumps(body), content_type="application/json", **auth)

    body = {
        "area_id": care.world.a.subdistrict.pk,
        "name": "孤老",
        "tag_ids": [care.alone_b.pk],
        "risk": "high",
    }
    bad = post("/api/care/groups", body)
    assert (
        bad.status_code == 400 and bad.json()["code"] == "invalid_field" and "标签" in bad.json()["message"]
    )
    made = post("/api/care/groups", body | {"tag_ids": [care.alone_a.pk]})
    assert made.status_code == 201 and made.json()["members"] == 0
    changed = post(
        f"/api/care/groups/{made.json()['id']}",
        body | {"tag_ids": [care.alone_a.pk], "min_age": 85},
        method="put",
    )
    assert changed.status_code == 200 and changed.json()["min_age"] == 85
    assert post(f"/api/care/groups/{care.group_b.pk}", body, method="put").status_code == 404
    policy = {
        "high": "daily",
        "medium": "weekly",
        "low": "monthly",
        "margin_days": 1,
        "subdistrict_after_days": 2,
        "not_reached_limit": 2,
    }
    subdistrict = care.world.a.subdistrict.pk
    assert (
        post(f"/api/care/policies/{subdistrict}", policy | {"low": "daily"}, method="put").status_code == 400
    )
    assert post(f"/api/care/policies/{subdistrict}", policy, method="put").json()["medium"] == "weekly"
    assert client.get(f"/api/care/policies/{subdistrict}", **leader).json()["low"] == "monthly"
    risk = post(f"/api/care/recipients/{first.pk}/risk", {"risk": "high", "reasons": "独居，患有心脏病"})
    assert risk.status_code == 200 and risk.json()["risk"] == "high" and risk.json()["frequency"] == "daily"
    assign = {"role": "primary", "kind": "gridworker", "user_id": worker.pk, "expected": 0}
    assert (
        post(f"/api/care/recipients/{first.pk}/assignments", assign | {"volunteer_id": 1}).status_code == 400
    )
    created = post(f"/api/care/recipients/{first.pk}/assignments", assign)
    assert created.status_code == 201 and created.json()["user_id"] == worker.pk
    again = post(f"/api/care/recipients/{first.pk}/assignments", assign)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    listed = client.get(f"/api/care/assignments?recipient={first.pk}", **token_for(worker)).json()
    assert [a["id"] for a in listed] == [created.json()["id"]]
    assert (
        post(f"/api/care/assignments/{created.json()['id']}/end", {}, auth=token_for(worker)).status_code
        == 403
    )
    ended = post(f"/api/care/assignments/{created.json()['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert post(f"/api/care/assignments/{created.json()['id']}/end", {}).status_code == 409
    assert client.get("/api/care/assignments", **token_for(care.world.b.users["leader"])).json() == []
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/care/groups/{pk}",
        "/api/care/policies/{subdistrict_id}",
        "/api/care/recipients/{pk}/risk",
        "/api/care/recipients/{pk}/assignments",
        "/api/care/assignments",
        "/api/care/assignments/{pk}/end",
    } <= set(paths)


def test_enrolling_by_hand_on_the_page_and_in_the_api(care, client):
    services.sync_population(today=MONDAY.date())
    young = care.elders[2]  # 赵老伯: no group finds him (under 80)
    manager = care.world.a.users["neighbourhood"]
    client.force_login(manager)
    found = client.get(reverse("care:enrol") + "?q=赵老")
    assert found.status_code == 200 and "赵老伯" in found.content.decode()
    assert "已在关爱名单" in client.get(reverse("care:enrol") + "?q=王秀").content.decode()
    bad = client.post(
        reverse("care:enrol"), {"q": "赵老", "resident": young.pk, "risk": "high", "reasons": ""}
    )
    assert bad.status_code == 400 and "请填写纳入关爱的原因" in bad.content.decode()
    assert not Recipient.objects.filter(resident=young).exists()
    done = client.post(
        reverse("care:enrol"),
        {"q": "赵老", "resident": young.pk, "risk": "high", "reasons": "女儿出国，独自在家"},
    )
    made = Recipient.objects.get(resident=young)
    assert done.status_code == 302 and done["Location"] == reverse("care:plan", args=[made.pk])
    assert (
        made.manual and Due.objects.filter(recipient=made, met_at__isnull=True, due_on=MONDAY.date()).exists()
    )
    services.sync_population(today=MONDAY.date())
    made.refresh_from_db()
    assert made.active  # the sweep does not end someone enrolled by hand
    api = token_for(care.world.a.users["leader"])
    again = client.post(
        "/api/care/recipients",
        json.dumps({"resident_id": young.pk, "risk": "low", "reasons": "再次"}),
        content_type="application/json",
        **api,
    )
    assert again.status_code == 409 and "已在关爱名单" in again.json()["message"]
    other = client.post(
        "/api/care/recipients",
        json.dumps({"resident_id": care.elders[3].pk, "risk": "low", "reasons": "越权"}),
        content_type="application/json",
        **api,
    )
    assert other.status_code == 404
    client.force_login(care.world.a.users["gridworker"])
    assert client.get(reverse("care:enrol")).status_code == 403
