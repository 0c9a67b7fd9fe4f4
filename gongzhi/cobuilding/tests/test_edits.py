"""Editing after creation (issue 16): an alliance's name and theme, a resource, a need, a
project's partners and needs, and registering a party organisation — services, pages, API;
bad input refused with nothing written, 403 / 404, and of two editors the second loses."""

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from gongzhi.accounts.models import AuditEvent
from gongzhi.cobuilding.models import (
    Alliance,
    Need,
    NeedState,
    PartyBranch,
    Project,
    Resource,
    ResourceState,
    Timeline,
)
from gongzhi.cobuilding.services import edit_token, lists, network
from gongzhi.cobuilding.tests.conftest import org
from gongzhi.core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from gongzhi.open311 import services as tokens

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leader(world):
    return world.a.users["leader"]


@pytest.fixture
def alliance(leader, world):
    return network.create_alliance(
        actor=leader,
        area=world.a.subdistrict,
        name="为老服务联盟",
        theme="elderly_care",
        founded_on=dt.date(2026, 1, 1),
    )


@pytest.fixture
def resource(leader, net):
    return lists.offer_resource(
        actor=leader,
        organization=net.shop_a,
        category="elderly",
        title="为老人送午餐",
        capacity=10,
        capacity_unit="份",
    )


@pytest.fixture
def need(leader, world):
    return lists.raise_need(
        actor=leader, area=world.a.neighbourhood, category="elderly", title="独居老人助餐", quantity=4
    )


@pytest.fixture
def project(leader, net, world, need):
    return lists.create_project(
        actor=leader,
        area=world.a.neighbourhood,
        title="社区助餐点",
        lead=net.firm_a,
        partners=[net.shop_a],
        needs=[need],
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 12, 31),
    )


def auth(user):
    _token, secret = tokens.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


RESOURCE = {"category": "elderly", "title": "为老人送午餐", "capacity": 10, "capacity_unit": "份"}
NEED = {"category": "elderly", "title": "独居老人助餐", "quantity": 4}


# ---------------------------------------------------------------- services


def test_edit_alliance_renames_it_and_is_audited(leader, alliance):
    network.edit_alliance(actor=leader, alliance=alliance, name="养老服务联盟", theme="other", note="46 家")
    alliance.refresh_from_db()
    assert (alliance.name, alliance.theme, alliance.note) == ("养老服务联盟", "other", "46 家")
    event = AuditEvent.objects.get(action="cobuilding.alliance.edit")
    assert event.data["name"] == ["为老服务联盟", "养老服务联盟"]
    assert Timeline.objects.filter(subject="alliance", subject_id=alliance.pk, action="edit").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " "}, "请填写联盟名称"),
        ({"name": "长" * 81}, "不能超过"),
        ({"theme": "party"}, "请选择联盟主题"),
        ({"seen": "2020-01-01T00:00:00+00:00~0123456789abcdef"}, "刚被其他人修改过"),
    ],
)
def test_edit_alliance_refuses_bad_input_and_writes_nothing(leader, alliance, kwargs, message):
    with pytest.raises(DomainError) as caught:
        network.edit_alliance(
            actor=leader, alliance=alliance, **({"name": "新名", "theme": "other"} | kwargs)
        )
    assert message in caught.value.message
    assert Alliance.objects.get(pk=alliance.pk).name == "为老服务联盟"
    assert not AuditEvent.objects.filter(action="cobuilding.alliance.edit").exists()


def test_edit_alliance_needs_the_rule(world, alliance):
    for user in (world.a.users["dispatcher"], world.b.users["leader"]):
        with pytest.raises(NotAllowed):
            network.edit_alliance(actor=user, alliance=alliance, name="x", theme="other")


def test_edit_resource_keeps_what_is_used(leader, net, resource, need):
    lists.claim_need(actor=leader, need=need, organization=net.shop_a, quantity=3, resource=resource)
    resource.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        lists.edit_resource(actor=leader, resource=resource, **RESOURCE | {"capacity": 3})
    assert "已使用的 3份" in caught.value.message
    lists.edit_resource(
        actor=leader,
        resource=resource,
        **RESOURCE | {"capacity": 20, "where": "A路 8 号", "title": "午餐配送"},
    )
    resource.refresh_from_db()
    assert (resource.capacity, resource.used, resource.where, resource.state) == (
        20,
        3,
        "A路 8 号",
        ResourceState.COMMITTED,
    )
    event = AuditEvent.objects.get(action="cobuilding.resource.edit")
    assert event.data["capacity"] == ["10", "20"] and event.data["title"] == ["为老人送午餐", "午餐配送"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "nonsense"}, "请选择类别"),
        ({"title": ""}, "请填写资源名称"),
        ({"capacity": 0}, "数量须大于 0"),
        ({"available_from": dt.date(2026, 7, 1), "available_until": dt.date(2026, 6, 1)}, "可用截止不能早于"),
    ],
)
def test_edit_resource_refuses_bad_input(leader, resource, change, message):
    before = Resource.objects.get(pk=resource.pk)
    with pytest.raises(DomainError) as caught:
        lists.edit_resource(actor=leader, resource=resource, **RESOURCE | {"title": "新的"} | change)
    assert message in caught.value.message
    after = Resource.objects.get(pk=resource.pk)
    assert (after.title, after.capacity, after.updated_at) == (
        before.title,
        before.capacity,
        before.updated_at,
    )


def test_a_unit_edits_only_its_own_resource(world, resource):
    with pytest.raises(NotAllowed):
        lists.edit_resource(actor=world.a.users["handler"], resource=resource, **RESOURCE)


def test_an_exhausted_resource_is_not_edited(leader, resource):
    lists.exhaust_resource(actor=leader, resource=resource)
    with pytest.raises(InvalidTransition):
        lists.edit_resource(actor=leader, resource=resource, **RESOURCE)


def test_edit_need_asking_for_more_reopens_a_claimed_need(leader, net, need):
    lists.claim_need(actor=leader, need=need, organization=net.shop_a)
    need.refresh_from_db()
    assert need.state == NeedState.CLAIMED
    with pytest.raises(DomainError) as caught:
        lists.edit_need(actor=leader, need=need, **NEED | {"quantity": 3})
    assert "已认领的 4" in caught.value.message
    lists.edit_need(
        actor=leader, need=need, **NEED | {"quantity": 6, "urgency": 3, "due_on": dt.date(2026, 7, 1)}
    )
    need.refresh_from_db()
    assert (need.quantity, need.claimed, need.state, need.urgency) == (6, 4, NeedState.PARTLY_CLAIMED, 3)
    event = AuditEvent.objects.get(action="cobuilding.need.edit")
    assert event.data["state"] == ["claimed", "partly_claimed"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"urgency": 9}, "请选择紧急程度"),
        ({"beneficiaries": -1}, "受益人数不能为负数"),
        ({"due_on": dt.date(2026, 5, 1)}, "不能早于今天"),
        ({"title": "需" * 121}, "不能超过"),
    ],
)
def test_edit_need_refuses_bad_input(leader, need, change, message):
    with pytest.raises(DomainError) as caught:
        lists.edit_need(actor=leader, need=need, **NEED | {"title": "新的"} | change)
    assert message in caught.value.message
    assert Need.objects.get(pk=need.pk).title == "独居老人助餐"


def test_a_delivered_need_is_not_edited_and_a_handler_may_not_edit(world, leader, net, need):
    with pytest.raises(NotAllowed):
        lists.edit_need(actor=world.a.users["handler"], need=need, **NEED)
    lists.claim_need(actor=leader, need=need, organization=net.shop_a)
    lists.deliver_need(actor=leader, need=need, result="已送餐")
    with pytest.raises(InvalidTransition):
        lists.edit_need(actor=leader, need=need, **NEED)


def test_edit_project_partners_and_needs(leader, net, world, project, need):
    other = lists.raise_need(actor=leader, area=world.a.neighbourhood, category="venue", title="借用会议室")
    lists.edit_project(actor=leader, project=project, partners=[net.social_a, net.shop_a2], needs=[other])
    project.refresh_from_db()
    assert set(project.partners.all()) == {net.social_a, net.shop_a2}
    assert list(project.needs.all()) == [other]
    assert Need.objects.get(pk=other.pk).state == NeedState.IN_PROJECT
    assert Need.objects.get(pk=need.pk).state == NeedState.PUBLISHED  # taken out, back on the list
    event = AuditEvent.objects.get(action="cobuilding.project.edit")
    assert (event.data["needs_added"], event.data["needs_removed"]) == ([other.pk], [need.pk])


def test_a_need_taken_out_of_a_project_keeps_its_claims(leader, net, world):
    need = lists.raise_need(
        actor=leader, area=world.a.neighbourhood, category="elderly", title="助浴", quantity=4
    )
    lists.claim_need(actor=leader, need=need, organization=net.shop_a, quantity=1)
    project = lists.create_project(
        actor=leader,
        area=world.a.neighbourhood,
        title="助浴项目",
        lead=net.firm_a,
        needs=[need],
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    lists.edit_project(actor=leader, project=project, partners=[], needs=[])
    need.refresh_from_db()
    assert (need.state, need.claimed) == (NeedState.PARTLY_CLAIMED, 1)


def test_edit_project_refuses_and_writes_nothing(leader, net, world, project, need):
    with pytest.raises(DomainError) as caught:
        lists.edit_project(actor=leader, project=project, partners=[net.firm_b], needs=[need])
    assert "合作单位须在本街道" in caught.value.message
    delivered = lists.raise_need(actor=leader, area=world.a.neighbourhood, category="venue", title="场地")
    lists.claim_need(actor=leader, need=delivered, organization=net.shop_a)
    lists.deliver_need(actor=leader, need=delivered, result="已借")
    with pytest.raises(InvalidTransition):
        lists.edit_project(actor=leader, project=project, partners=[], needs=[need, delivered])
    assert list(project.partners.all()) == [net.shop_a] and list(project.needs.all()) == [need]
    assert Need.objects.get(pk=need.pk).state == NeedState.IN_PROJECT
    with pytest.raises(NotAllowed):
        lists.edit_project(actor=world.b.users["leader"], project=project, partners=[], needs=[])


def test_a_completed_project_is_not_edited(leader, project):
    lists.sign_project(actor=leader, project=project)
    lists.start_project(actor=leader, project=project)
    lists.complete_project(actor=leader, project=project, result="每天 30 份")
    with pytest.raises(InvalidTransition):
        lists.edit_project(actor=leader, project=project, partners=[], needs=[])


def test_the_project_token_changes_with_its_partners(leader, net, project, need):
    seen = edit_token(project, "project")
    lists.edit_project(actor=leader, project=project, partners=[net.social_a], needs=[need], seen=seen)
    with pytest.raises(Conflict):  # the same instant (time is frozen): the digest of the partners differs
        lists.edit_project(actor=leader, project=project, partners=[], needs=[need], seen=seen)
    assert list(Project.objects.get(pk=project.pk).partners.all()) == [net.social_a]


def test_register_branch_checks_its_input(leader, net, world):
    party = org(world.a.neighbourhood, "A二居党支部", "party_organization")
    with pytest.raises(DomainError) as caught:
        network.register_branch(actor=leader, organization=party, level="branch", parent=net.branch_b)
    assert "上级党组织须在本街道" in caught.value.message
    with pytest.raises(DomainError, match="不是党组织"):
        network.register_branch(actor=leader, organization=net.firm_a, level="branch")
    with pytest.raises(NotAllowed):
        network.register_branch(actor=world.a.users["dispatcher"], organization=party, level="branch")
    made = network.register_branch(
        actor=leader, organization=party, level="branch", parent=net.branch_a, secretary="王芳", members=12
    )
    assert (made.parent, made.members, made.subdistrict_id) == (net.branch_a, 12, world.a.subdistrict.pk)
    with pytest.raises(Conflict):
        network.register_branch(actor=leader, organization=party, level="branch")
    assert AuditEvent.objects.filter(action="cobuilding.branch.register").count() == 1


# ---------------------------------------------------------------- pages


def test_editing_an_alliance_through_the_page_and_the_second_editor_loses(client, leader, alliance):
    client.force_login(leader)
    url = reverse("cobuilding:alliance_edit", args=[alliance.pk])
    assert url in client.get(reverse("cobuilding:alliance", args=[alliance.pk])).content.decode()
    seen = edit_token(alliance, "alliance")
    assert seen in client.get(url).content.decode()
    first = client.post(url, {"name": "养老服务联盟", "theme": "elderly_care", "seen": seen})
    assert first.status_code == 302 and first["Location"] == reverse(
        "cobuilding:alliance", args=[alliance.pk]
    )
    second = client.post(url, {"name": "夜间经济联盟", "theme": "night_economy", "seen": seen})
    assert second.status_code == 422 and "刚被其他人修改过" in second.content.decode()
    bad = client.post(
        url, {"name": "", "theme": "other", "seen": edit_token(Alliance.objects.get(), "alliance")}
    )
    assert bad.status_code == 422 and "请填写联盟名称" in bad.content.decode()
    assert Alliance.objects.get().name == "养老服务联盟"


def test_editing_a_resource_through_the_page(client, leader, net, resource):
    client.force_login(leader)
    url = reverse("cobuilding:resource_edit", args=[resource.pk])
    assert url in client.get(reverse("cobuilding:resource", args=[resource.pk])).content.decode()
    assert "为老人送午餐" in client.get(url).content.decode()
    form = {"title": "午餐配送", "category": "elderly", "capacity": "12", "capacity_unit": "份"}
    bad = client.post(url, form | {"capacity": "十二", "seen": edit_token(resource, "resource")})
    assert (
        bad.status_code == 422
        and "数量须为整数" in bad.content.decode()
        and "午餐配送" in bad.content.decode()
    )
    seen = edit_token(resource, "resource")
    assert client.post(url, form | {"seen": seen}).status_code == 302
    stale = client.post(url, form | {"capacity": "30", "seen": seen})
    assert stale.status_code == 422 and "刚被其他人修改过" in stale.content.decode()
    resource.refresh_from_db()
    assert (resource.title, resource.capacity) == ("午餐配送", 12)


def test_editing_a_need_through_the_page(client, leader, need):
    client.force_login(leader)
    url = reverse("cobuilding:need_edit", args=[need.pk])
    assert url in client.get(reverse("cobuilding:need", args=[need.pk])).content.decode()
    form = {"title": "独居老人助餐（午餐）", "category": "elderly", "urgency": "2", "quantity": "6"}
    bad = client.post(url, form | {"due_on": "2026-02-30"})
    assert bad.status_code == 422 and "不是有效日期" in bad.content.decode()
    seen = edit_token(need, "need")
    assert client.post(url, form | {"due_on": "2026-08-01", "seen": seen}).status_code == 302
    stale = client.post(url, form | {"quantity": "9", "seen": seen})
    assert stale.status_code == 422 and "刚被其他人修改过" in stale.content.decode()
    need.refresh_from_db()
    assert (need.title, need.quantity, need.urgency, need.due_on) == (
        "独居老人助餐（午餐）",
        6,
        2,
        dt.date(2026, 8, 1),
    )


def test_editing_a_project_through_the_page(client, leader, net, world, project, need):
    other = lists.raise_need(actor=leader, area=world.a.neighbourhood, category="venue", title="借用会议室")
    client.force_login(leader)
    url = reverse("cobuilding:project_edit", args=[project.pk])
    assert url in client.get(reverse("cobuilding:project", args=[project.pk])).content.decode()
    page = client.get(url).content.decode()
    assert "借用会议室" in page and "独居老人助餐" in page
    bad = client.post(url, {"partners": [net.firm_b.pk], "needs": [need.pk]})
    assert bad.status_code == 422 and "所选合作单位不在可选范围内" in bad.content.decode()
    seen = edit_token(project, "project")
    done = client.post(url, {"partners": [net.social_a.pk], "needs": [need.pk, other.pk], "seen": seen})
    assert done.status_code == 302
    stale = client.post(url, {"partners": [], "needs": [], "seen": seen})
    assert stale.status_code == 422 and "刚被其他人修改过" in stale.content.decode()
    assert set(project.needs.all()) == {need, other} and list(project.partners.all()) == [net.social_a]


def test_registering_a_party_branch_through_the_page(client, leader, net, world):
    party = org(world.a.other_neighbourhood, "A二居党支部", "party_organization")
    client.force_login(leader)
    url = reverse("cobuilding:branch_new")
    assert url in client.get(reverse("cobuilding:coverage")).content.decode()
    page = client.get(url).content.decode()
    organizations, parents = page.split('name="parent"')
    # An organisation already registered is offered only as a parent.
    assert "A二居党支部" in organizations and "A一居党总支" not in organizations
    assert f'value="{net.branch_a.pk}"' in parents and "A一居党总支" in parents
    form = {"organization": party.pk, "level": "branch", "parent": net.branch_a.pk, "secretary": "王芳"}
    for change, message in [
        ({"level": ""}, "请选择党组织层级"),
        ({"members": "十"}, "党员人数须为整数"),
        ({"members": "-3"}, "党员人数不能为负数"),
        ({"organization": net.firm_a.pk}, "所选党组织不在可选范围内"),
        ({"parent": net.branch_b.pk}, "所选上级党组织不在可选范围内"),
    ]:
        bad = client.post(url, form | change)
        assert bad.status_code == 422 and message in bad.content.decode(), change
    assert not PartyBranch.objects.filter(organization=party).exists()
    done = client.post(url, form | {"members": "12"})
    assert done.status_code == 302 and done["Location"] == reverse("cobuilding:coverage")
    made = PartyBranch.objects.get(organization=party)
    assert (made.level, made.parent, made.secretary, made.members) == ("branch", net.branch_a, "王芳", 12)
    assert "A二居党支部" in client.get(reverse("cobuilding:coverage")).content.decode()


def test_the_edit_buttons_show_only_to_roles_that_may_use_them(
    client, world, alliance, resource, need, project
):
    client.force_login(world.a.users["dispatcher"])
    for page, button in [
        (
            reverse("cobuilding:alliance", args=[alliance.pk]),
            reverse("cobuilding:alliance_edit", args=[alliance.pk]),
        ),
        (
            reverse("cobuilding:resource", args=[resource.pk]),
            reverse("cobuilding:resource_edit", args=[resource.pk]),
        ),
        (reverse("cobuilding:need", args=[need.pk]), reverse("cobuilding:need_edit", args=[need.pk])),
        (
            reverse("cobuilding:project", args=[project.pk]),
            reverse("cobuilding:project_edit", args=[project.pk]),
        ),
        (reverse("cobuilding:coverage"), reverse("cobuilding:branch_new")),
    ]:
        body = client.get(page)
        assert body.status_code == 200 and button not in body.content.decode(), page


def test_edit_pages_are_403_without_the_rule_and_404_in_another_subdistrict(
    client, world, alliance, resource, need, project
):
    urls = [
        reverse("cobuilding:alliance_edit", args=[alliance.pk]),
        reverse("cobuilding:resource_edit", args=[resource.pk]),
        reverse("cobuilding:need_edit", args=[need.pk]),
        reverse("cobuilding:project_edit", args=[project.pk]),
    ]
    client.force_login(world.a.users["dispatcher"])
    for url in [*urls, reverse("cobuilding:branch_new")]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "x", "title": "x", "level": "branch"}).status_code == 403, url
    client.force_login(world.b.users["leader"])
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "title": "x"}).status_code == 404, url
    assert Alliance.objects.get().name == "为老服务联盟" and Resource.objects.get().title == "为老人送午餐"


def test_an_edit_the_state_no_longer_allows_is_a_409_page(client, leader, resource):
    lists.exhaust_resource(actor=leader, resource=resource)
    client.force_login(leader)
    response = client.get(reverse("cobuilding:resource_edit", args=[resource.pk]))
    assert response.status_code == 409 and "当前状态下不能修改" in response.content.decode()


# ---------------------------------------------------------------- API


def test_edits_through_the_api(client, leader, net, world, alliance, resource, need, project):
    a, b = auth(leader), auth(world.b.users["leader"])
    listed = client.get("/api/cobuilding/alliances", **a).json()[0]
    done = post(
        client,
        f"/api/cobuilding/alliances/{alliance.pk}",
        {"name": "养老服务联盟", "theme": "other", "seen": listed["edit_token"]},
        a,
    )
    assert done.status_code == 200 and done.json()["name"] == "养老服务联盟"
    stale = post(
        client,
        f"/api/cobuilding/alliances/{alliance.pk}",
        {"name": "x", "theme": "other", "seen": listed["edit_token"]},
        a,
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert (
        post(
            client, f"/api/cobuilding/alliances/{alliance.pk}", {"name": "x", "theme": "other"}, b
        ).status_code
        == 404
    )

    edited = post(client, f"/api/cobuilding/resources/{resource.pk}", RESOURCE | {"capacity": 15}, a)
    assert edited.status_code == 200 and edited.json()["capacity"] == 15
    bad = post(client, f"/api/cobuilding/resources/{resource.pk}", RESOURCE | {"category": "x"}, a)
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "details"}
    assert (
        post(
            client, f"/api/cobuilding/resources/{resource.pk}", RESOURCE, auth(world.a.users["handler"])
        ).status_code
        == 403
    )

    edited = post(client, f"/api/cobuilding/needs/{need.pk}", NEED | {"quantity": 8}, a)
    assert edited.status_code == 409  # in the project: 项目实施中
    other = lists.raise_need(actor=leader, area=world.a.neighbourhood, category="venue", title="借用会议室")
    edited = post(client, f"/api/cobuilding/needs/{other.pk}", NEED | {"quantity": 8, "category": "venue"}, a)
    assert edited.status_code == 200 and edited.json()["quantity"] == 8
    assert post(client, f"/api/cobuilding/needs/{other.pk}", NEED | {"quantity": 0}, a).status_code == 422

    token = client.get("/api/cobuilding/projects", **a).json()[0]["edit_token"]
    body = {"partner_ids": [net.social_a.pk], "need_ids": [other.pk], "seen": token}
    edited = post(client, f"/api/cobuilding/projects/{project.pk}", body, a)
    assert edited.status_code == 200, edited.content
    assert post(client, f"/api/cobuilding/projects/{project.pk}", body, a).status_code == 409
    assert (
        post(
            client,
            f"/api/cobuilding/projects/{project.pk}",
            body | {"seen": None, "partner_ids": [net.firm_b.pk]},
            a,
        ).status_code
        == 404
    )
    assert list(Project.objects.get().needs.all()) == [other]
    assert Need.objects.get(pk=need.pk).state == NeedState.PUBLISHED


def test_registering_a_branch_through_the_api(client, leader, net, world):
    party = org(world.a.other_neighbourhood, "A二居党支部", "party_organization")
    a = auth(leader)
    body = {"organization_id": party.pk, "level": "branch", "parent_id": net.branch_a.pk, "members": 9}
    assert (
        post(client, "/api/cobuilding/branches", body, auth(world.a.users["dispatcher"])).status_code == 403
    )
    assert (
        post(client, "/api/cobuilding/branches", body | {"parent_id": net.branch_b.pk}, a).status_code == 404
    )
    assert post(client, "/api/cobuilding/branches", body | {"level": "cell"}, a).status_code == 400
    assert post(client, "/api/cobuilding/branches", body | {"members": -1}, a).status_code == 422
    made = post(client, "/api/cobuilding/branches", body, a)
    assert made.status_code == 201 and made.json()["parent_id"] == net.branch_a.pk
    assert post(client, "/api/cobuilding/branches", body, a).status_code == 409
    assert post(client, "/api/cobuilding/branches", body, auth(world.b.users["leader"])).status_code == 404
