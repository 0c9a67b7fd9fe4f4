"""The staff forms (issue 16): create and edit through the pages, bad input refused with a
Chinese message and nothing written, the buttons only for the roles that may use them, the
other subdistrict's objects a 404 and roles without the rule a 403."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from gongzhi.accounts.models import AuditEvent
from gongzhi.cobuilding.models import (
    Alliance,
    AllianceMember,
    Coverage,
    Need,
    NeedState,
    Pairing,
    Place,
    Project,
    Resource,
    Timeline,
)
from gongzhi.cobuilding.services import edit_token, lists, network, places
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.registry.validators import FieldError

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pairing(net, world):
    return network.create_pairing(
        actor=world.a.users["leader"],
        unit=net.firm_a,
        neighbourhood=world.a.neighbourhood,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )


@pytest.fixture
def alliance(world):
    return network.create_alliance(
        actor=world.a.users["leader"],
        area=world.a.subdistrict,
        name="为老服务联盟",
        theme="elderly_care",
        founded_on=dt.date(2026, 1, 1),
    )


@pytest.fixture
def place(world):
    return places.nominate_place(
        actor=world.a.users["leader"],
        kind="station",
        name="暖新巢",
        lat=31.2012,
        lng=121.4012,
        address="A路 1 号",
        opening_hours="24/7",
    )


# ---------------------------------------------------------------- services


def test_edit_pairing_changes_the_term_and_plan_and_is_audited(net, world, pairing):
    leader = world.a.users["leader"]
    network.edit_pairing(
        actor=leader,
        pairing=pairing,
        ends_on=dt.date(2028, 6, 30),
        plan="每季度一次助老活动",
        neighbourhood_party=net.party_a,
    )
    pairing.refresh_from_db()
    assert (pairing.ends_on, pairing.plan, pairing.neighbourhood_party) == (
        dt.date(2028, 6, 30),
        "每季度一次助老活动",
        net.party_a,
    )
    assert Timeline.objects.filter(subject="pairing", subject_id=pairing.pk, action="edit").exists()
    assert AuditEvent.objects.filter(action="cobuilding.pairing.edit").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ends_on": dt.date(2025, 12, 31)}, "结束日期须晚于开始日期"),
        ({"neighbourhood_party": "firm"}, "不是党组织"),
        ({"neighbourhood_party": "party_b"}, "须在本街道"),
        ({"seen": "2020-01-01T00:00:00+00:00~0123456789abcdef"}, "刚被其他人修改过"),
        ({"seen": "not a time"}, "表单已失效"),
    ],
)
def test_edit_pairing_refuses_bad_input_and_writes_nothing(net, world, pairing, kwargs, message):
    before = Pairing.objects.get(pk=pairing.pk)
    args = {"ends_on": dt.date(2027, 6, 30), "plan": "新计划"} | kwargs
    if args.get("neighbourhood_party") == "firm":
        args["neighbourhood_party"] = net.firm_a
    elif args.get("neighbourhood_party") == "party_b":
        args["neighbourhood_party"] = net.party_b
    with pytest.raises(DomainError) as caught:
        network.edit_pairing(actor=world.a.users["leader"], pairing=pairing, **args)
    assert message in caught.value.message
    after = Pairing.objects.get(pk=pairing.pk)
    assert (after.ends_on, after.plan, after.updated_at) == (before.ends_on, before.plan, before.updated_at)
    assert not Timeline.objects.filter(subject="pairing", action="edit").exists()


def test_edit_pairing_needs_the_rule(world, pairing):
    with pytest.raises(NotAllowed):
        network.edit_pairing(actor=world.a.users["gridworker"], pairing=pairing, ends_on=dt.date(2027, 6, 30))
    with pytest.raises(NotAllowed):
        network.edit_pairing(actor=world.b.users["leader"], pairing=pairing, ends_on=dt.date(2027, 6, 30))


def test_a_member_of_another_subdistrict_is_refused(net, world, alliance):
    with pytest.raises(FieldError):
        network.add_member(
            actor=world.a.users["leader"],
            alliance=alliance,
            organization=net.firm_b,
            joined_on=dt.date(2026, 2, 1),
        )
    assert not AllianceMember.objects.exists()


def test_a_stale_place_edit_is_refused(world, place):
    seen = edit_token(place, "place")
    places.edit_place(
        actor=world.a.users["leader"], place=place, opening_hours="Mo-Fr 08:00-20:00", seen=seen
    )
    with pytest.raises(Conflict):
        places.edit_place(actor=world.a.users["gridworker"], place=place, opening_hours="24/7", seen=seen)
    place.refresh_from_db()
    assert place.opening_hours == "Mo-Fr 08:00-20:00"


# ---------------------------------------------------------------- pages


def test_creating_a_pairing_through_the_page(client, net, world):
    client.force_login(world.a.users["neighbourhood"])
    page = client.get(reverse("cobuilding:pairings")).content.decode()
    assert reverse("cobuilding:pairing_new") in page
    form = client.get(reverse("cobuilding:pairing_new"))
    assert form.status_code == 200 and "A科技有限公司" in form.content.decode()
    response = client.post(
        reverse("cobuilding:pairing_new"),
        {
            "unit": net.firm_a.pk,
            "area": world.a.neighbourhood.pk,
            "neighbourhood_party": net.party_a.pk,
            "starts_on": "2026-03-01",
            "ends_on": "2028-02-28",
            "plan": "结对助老",
        },
    )
    made = Pairing.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cobuilding:pairing", args=[made.pk]
    )
    assert (made.unit, made.area, made.plan) == (net.firm_a, world.a.neighbourhood, "结对助老")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_on": "2026-02-01"}, "结束日期须晚于开始日期"),
        ({"starts_on": "2026-13-40"}, "不是有效日期"),
        ({"unit": ""}, "请选择结对单位"),
        ({"unit": "firm_b"}, "不在可选范围内"),
        ({"area": "grid"}, "不在可选范围内"),
    ],
)
def test_a_bad_pairing_form_shows_the_message_and_writes_nothing(client, net, world, change, message):
    client.force_login(world.a.users["leader"])
    data = {
        "unit": net.firm_a.pk,
        "area": world.a.neighbourhood.pk,
        "starts_on": "2026-03-01",
        "ends_on": "2028-02-28",
        "plan": "结对助老",
    } | change
    if data["unit"] == "firm_b":
        data["unit"] = net.firm_b.pk
    if data["area"] == "grid":
        data["area"] = world.a.grid.pk
    response = client.post(reverse("cobuilding:pairing_new"), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body and "结对助老" in body  # what was typed stays in the form
    assert not Pairing.objects.exists()


def test_editing_a_pairing_through_the_page_and_the_second_editor_loses(client, net, world, pairing):
    client.force_login(world.a.users["leader"])
    assert (
        reverse("cobuilding:pairing_edit", args=[pairing.pk])
        in client.get(reverse("cobuilding:pairing", args=[pairing.pk])).content.decode()
    )
    seen = edit_token(pairing, "pairing")
    url = reverse("cobuilding:pairing_edit", args=[pairing.pk])
    assert seen in client.get(url).content.decode()
    first = client.post(url, {"ends_on": "2028-01-31", "plan": "第一位", "seen": seen})
    assert first.status_code == 302
    second = client.post(url, {"ends_on": "2027-01-31", "plan": "第二位", "seen": seen})
    assert second.status_code == 422 and "刚被其他人修改过" in second.content.decode()
    pairing.refresh_from_db()
    assert (pairing.ends_on, pairing.plan) == (dt.date(2028, 1, 31), "第一位")


def test_alliance_and_its_members_through_the_pages(client, net, world):
    client.force_login(world.a.users["leader"])
    assert reverse("cobuilding:alliance_new") in client.get(reverse("cobuilding:alliances")).content.decode()
    response = client.post(
        reverse("cobuilding:alliance_new"),
        {
            "name": "夜间经济联盟",
            "theme": "night_economy",
            "area": world.a.subdistrict.pk,
            "founded_on": "2026-05-01",
        },
    )
    alliance = Alliance.objects.get()
    assert response["Location"] == reverse("cobuilding:alliance", args=[alliance.pk])
    add = reverse("cobuilding:alliance_member_add", args=[alliance.pk])
    client.post(add, {"organization": net.shop_a.pk, "role": "lead", "joined_on": "2026-05-02"})
    again = client.post(
        add, {"organization": net.shop_a.pk, "role": "member", "joined_on": "2026-05-03"}, follow=True
    )
    assert "已是联盟成员" in again.content.decode()
    member = AllianceMember.objects.get()
    assert (member.organization, member.role) == (net.shop_a, "lead")
    leave = reverse("cobuilding:alliance_member_leave", args=[alliance.pk, member.pk])
    early = client.post(leave, {"left_on": "2026-05-01"}, follow=True)
    assert "退出日期不能早于加入日期" in early.content.decode()
    client.post(leave, {"left_on": "2026-05-20"})
    member.refresh_from_db()
    assert member.left_on == dt.date(2026, 5, 20)
    bad = client.post(
        reverse("cobuilding:alliance_new"),
        {"name": "", "theme": "other", "area": world.a.subdistrict.pk, "founded_on": "2026-05-01"},
    )
    assert bad.status_code == 422 and "请填写联盟名称" in bad.content.decode()
    assert Alliance.objects.count() == 1


def test_coverage_through_the_page(client, net, world):
    client.force_login(world.a.users["leader"])
    assert reverse("cobuilding:coverage_edit") in client.get(reverse("cobuilding:coverage")).content.decode()
    url = reverse("cobuilding:coverage_edit")
    assert client.get(url + f"?unit={net.shop_a.pk}").status_code == 200
    response = client.post(
        url,
        {
            "unit": net.shop_a.pk,
            "action": "cover",
            "branch": net.cohesion.pk,
            "mode": "area",
            "started_on": "2026-03-01",
        },
    )
    assert response["Location"] == reverse("cobuilding:unit", args=[net.shop_a.pk])
    current = Coverage.objects.get(unit=net.shop_a)
    assert (current.branch, current.mode, current.ended_on) == (net.cohesion, "area", None)
    bad = client.post(url, {"unit": net.shop_a.pk, "action": "end", "started_on": "2026-04-01", "note": ""})
    assert bad.status_code == 422 and "请填写原因" in bad.content.decode()
    client.post(url, {"unit": net.shop_a.pk, "action": "end", "started_on": "2026-04-01", "note": "店铺关停"})
    current.refresh_from_db()
    assert current.ended_on == dt.date(2026, 4, 1)


def test_offering_a_resource_and_building_a_project_through_the_pages(client, net, world):
    leader = world.a.users["leader"]
    need = lists.raise_need(
        actor=leader, area=world.a.neighbourhood, category="elderly", title="独居老人助餐"
    )
    client.force_login(leader)
    assert reverse("cobuilding:resource_new") in client.get(reverse("cobuilding:resources")).content.decode()
    response = client.post(
        reverse("cobuilding:resource_new"),
        {"title": "为老人送午餐", "organization": net.shop_a.pk, "category": "elderly", "capacity": "10"},
    )
    resource = Resource.objects.get()
    assert response["Location"] == reverse("cobuilding:resource", args=[resource.pk])
    assert (resource.organization, resource.capacity) == (net.shop_a, 10)
    bad = client.post(
        reverse("cobuilding:resource_new"),
        {"title": "x", "organization": net.shop_a.pk, "category": "elderly", "capacity": "两"},
    )
    assert bad.status_code == 422 and "数量须为整数" in bad.content.decode()
    assert Resource.objects.count() == 1

    assert reverse("cobuilding:project_new") in client.get(reverse("cobuilding:projects")).content.decode()
    data = {
        "title": "社区助餐点",
        "area": world.a.neighbourhood.pk,
        "lead": net.firm_a.pk,
        "partners": [net.shop_a.pk],
        "needs": [need.pk],
        "tags": ["项目共建"],
        "budget": "5000",
        "starts_on": "2026-06-01",
        "ends_on": "2026-05-01",
    }
    bad = client.post(reverse("cobuilding:project_new"), data)
    assert bad.status_code == 422 and "计划完成日期不能早于开始日期" in bad.content.decode()
    assert not Project.objects.exists() and Need.objects.get(pk=need.pk).state == NeedState.PUBLISHED
    client.post(reverse("cobuilding:project_new"), data | {"ends_on": "2026-12-31"})
    project = Project.objects.get()
    assert list(project.partners.all()) == [net.shop_a] and project.tags == ["项目共建"]
    assert Need.objects.get(pk=need.pk).state == NeedState.IN_PROJECT


def test_nominating_and_editing_a_place_through_the_pages(client, world):
    client.force_login(world.a.users["gridworker"])
    assert reverse("cobuilding:place_new") in client.get(reverse("cobuilding:places")).content.decode()
    data = {
        "name": "宜德饭堂",
        "kind": "merchant",
        "lat": "31.2012",
        "lng": "121.4012",
        "address": "A路 8 号",
        "opening_hours": "Mo-Fr 25:00-26:00",
        "amenities": ["water", "toilet"],
    }
    bad = client.post(reverse("cobuilding:place_new"), data)
    assert bad.status_code == 422 and not Place.objects.exists()
    far = client.post(
        reverse("cobuilding:place_new"), data | {"opening_hours": "24/7", "lat": "39.9", "lng": "116.4"}
    )
    assert far.status_code == 422 and "不在" in far.content.decode()
    client.post(reverse("cobuilding:place_new"), data | {"opening_hours": "Mo-Su 10:30-21:00"})
    made = Place.objects.get()
    assert (made.area.subdistrict_id, made.amenities) == (world.a.subdistrict.pk, ["water", "toilet"])
    url = reverse("cobuilding:place_edit", args=[made.pk])
    assert url in client.get(reverse("cobuilding:place", args=[made.pk])).content.decode()
    client.post(
        url,
        {
            "name": "宜德饭堂（A路店）",
            "address": "A路 8 号",
            "opening_hours": "24/7",
            "amenities": ["water"],
            "seen": edit_token(made, "place"),
        },
    )
    made.refresh_from_db()
    assert (made.name, made.opening_hours, made.amenities) == ("宜德饭堂（A路店）", "24/7", ["water"])


# ---------------------------------------------------------------- scope


def test_the_form_buttons_show_only_to_roles_that_may_use_them(client, world, pairing, alliance, place):
    client.force_login(world.a.users["dispatcher"])  # reads everything, keeps nothing
    pages = {
        "cobuilding:pairings": "cobuilding:pairing_new",
        "cobuilding:alliances": "cobuilding:alliance_new",
        "cobuilding:resources": "cobuilding:resource_new",
        "cobuilding:projects": "cobuilding:project_new",
        "cobuilding:places": "cobuilding:place_new",
        "cobuilding:coverage": "cobuilding:coverage_edit",
    }
    for page, button in pages.items():
        assert reverse(button) not in client.get(reverse(page)).content.decode(), page
    assert (
        reverse("cobuilding:pairing_edit", args=[pairing.pk])
        not in client.get(reverse("cobuilding:pairing", args=[pairing.pk])).content.decode()
    )
    assert (
        reverse("cobuilding:place_edit", args=[place.pk])
        not in client.get(reverse("cobuilding:place", args=[place.pk])).content.decode()
    )
    assert "member-add" not in client.get(reverse("cobuilding:alliance", args=[alliance.pk])).content.decode()


def test_roles_without_the_rule_get_403(client, world, pairing, alliance, place):
    client.force_login(world.a.users["dispatcher"])
    for url in [
        reverse("cobuilding:pairing_new"),
        reverse("cobuilding:pairing_edit", args=[pairing.pk]),
        reverse("cobuilding:alliance_new"),
        reverse("cobuilding:coverage_edit"),
        reverse("cobuilding:project_new"),
        reverse("cobuilding:place_new"),
        reverse("cobuilding:place_edit", args=[place.pk]),
        reverse("cobuilding:resource_new"),
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        reverse("cobuilding:alliance_member_add", args=[alliance.pk]),
        reverse("cobuilding:pairing_edit", args=[pairing.pk]),
    ]:
        assert client.post(url, {"ends_on": "2027-01-01"}).status_code == 403, url
    pairing.refresh_from_db()
    assert pairing.ends_on == dt.date(2027, 12, 31)


def test_another_subdistricts_objects_are_404(client, world, pairing, alliance, place):
    client.force_login(world.b.users["leader"])
    for url in [
        reverse("cobuilding:pairing_edit", args=[pairing.pk]),
        reverse("cobuilding:place_edit", args=[place.pk]),
        reverse("cobuilding:alliance_member_add", args=[alliance.pk]),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"ends_on": "2027-01-01", "name": "x"}).status_code == 404, url
    pairing.refresh_from_db()
    assert pairing.ends_on == dt.date(2027, 12, 31)
