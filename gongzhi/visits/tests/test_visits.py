import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases.models import Case
from gongzhi.core.errors import NotAllowed
from gongzhi.registry.models import RegistryChange, Residence
from gongzhi.registry.validators import FieldError
from gongzhi.visits import selectors, services
from gongzhi.visits.models import Campaign, Visit

ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]
VISIT_VIEWERS = {"auditor", "leader", "neighbourhood", "gridworker"}
VISITORS = {"leader", "neighbourhood", "gridworker"}


def today():
    return timezone.localdate()


def test_visit_raises_cases_through_the_case_services(reg):
    user = reg.world.a.users["gridworker"]
    visit = services.record_visit(
        actor=user,
        household=reg.resident_a.household,
        visited_on=today(),
        mode="door",
        findings="老人独居，楼道有电动车飞线充电",
        met=reg.resident_a,
        cases=[
            services.CaseSpec(reg.world.category, "楼道飞线充电", "3楼楼道电动车飞线充电"),
            services.CaseSpec(reg.world.category, "楼下飞线", "楼下也有"),
        ],
    )
    cases = list(visit.cases.order_by("number"))
    assert len(cases) == 2
    assert all(c.source == "visit" and c.area == reg.building_a and c.reported_by == user for c in cases)
    assert cases[0].address == reg.dwelling_a.address and cases[0].reporter_name == "王秀英"
    assert cases[0].events.count() == 1


def test_visit_with_a_bad_case_writes_nothing(reg):
    with pytest.raises(Exception):
        services.record_visit(
            actor=reg.world.a.users["gridworker"],
            household=reg.resident_a.household,
            visited_on=today(),
            mode="door",
            findings="有问题",
            cases=[services.CaseSpec(reg.world.parent_category, "x", "y")],  # not a leaf category
        )
    assert not Visit.objects.exists() and not Case.objects.exists()


def test_visit_corrects_the_registry_with_history(reg):
    user = reg.world.a.users["gridworker"]
    visit = services.record_visit(
        actor=user,
        household=reg.resident_a.household,
        visited_on=today(),
        mode="door",
        findings="已出租",
        facts=services.Facts(
            dwelling={"use": "rented"},
            residents={reg.resident_a.pk: {"phone": "13511112222"}},
            moved_out=[reg.resident_a.pk],
        ),
    )
    changes = RegistryChange.objects.filter(reference=f"visit:{visit.pk}")
    assert {(c.object_type, c.field) for c in changes} == {
        ("dwelling", "use"),
        ("resident", "phone"),
        ("resident", "dwelling"),
    }
    assert all(c.source == "visit" and c.actor == user for c in changes)
    reg.resident_a.refresh_from_db()
    assert reg.resident_a.unseal("phone") == "13511112222" and reg.resident_a.moved_out_on == today()
    assert Residence.objects.get(resident=reg.resident_a).moved_out_on == today()


def test_visit_validation(reg):
    user = reg.world.a.users["gridworker"]
    base = {"actor": user, "household": reg.resident_a.household, "mode": "door", "findings": "好"}
    with pytest.raises(FieldError, match="晚于今天"):
        services.record_visit(visited_on=today() + dt.timedelta(days=1), **base)
    with pytest.raises(FieldError, match="走访情况"):
        services.record_visit(visited_on=today(), **{**base, "findings": " "})
    with pytest.raises(NotAllowed):
        services.record_visit(visited_on=today(), **{**base, "actor": reg.world.b.users["gridworker"]})
    with pytest.raises(NotAllowed):
        services.record_visit(visited_on=today(), **{**base, "actor": reg.world.a.users["dispatcher"]})


def test_campaign_coverage_per_area(reg):
    leader = reg.world.a.users["leader"]
    campaign = services.create_campaign(
        actor=leader,
        area=reg.world.a.subdistrict,
        name="四百走访",
        starts_on=today() - dt.timedelta(days=10),
        ends_on=today(),
    )
    rows, total, ended = selectors.coverage(leader, campaign, "neighbourhood")
    assert (total.total, total.visited, ended) == (1, 0, False)
    services.record_visit(
        actor=leader,
        household=reg.resident_a.household,
        visited_on=today(),
        mode="phone",
        findings="电话回访",
    )
    rows, total, _ended = selectors.coverage(leader, campaign, "neighbourhood")
    assert [(r.area.name, r.total, r.visited) for r in rows] == [("A一居", 1, 1), ("A二居", 0, 0)]
    assert total.percent == 100
    # The other subdistrict's leader sees nothing of it.
    assert not selectors.campaigns_for(reg.world.b.users["leader"]).filter(pk=campaign.pk).exists()


def test_campaign_ended_marks_overdue(reg, client):
    leader = reg.world.a.users["leader"]
    campaign = Campaign.objects.create(
        subdistrict=reg.world.a.subdistrict,
        area=reg.world.a.subdistrict,
        name="旧任务",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 2, 1),
    )
    client.force_login(leader)
    body = client.get(reverse("visits:campaign", args=[campaign.pk]), {"level": "grid"}).content.decode()
    assert "逾期未访" in body and "<mark>1</mark>" in body
    assert 'id="coverage-map"' in body and '"overdue": true' in body  # the grid outline on the map


@pytest.mark.parametrize("role", ROLES)
def test_visit_pages_scope_matrix(client, reg, role):
    gridworker_b = reg.world.b.users["gridworker"]
    visit_b = services.record_visit(
        actor=gridworker_b,
        household=reg.resident_b.household,
        visited_on=today(),
        mode="door",
        findings="B走访",
    )
    user = reg.world.a.users[role]
    client.force_login(user)
    index = client.get(reverse("visits:index"))
    assert index.status_code == (200 if role in VISIT_VIEWERS else 403)
    assert "B走访" not in index.content.decode()
    assert client.get(reverse("visits:detail", args=[visit_b.pk])).status_code == 404
    form = client.get(reverse("visits:new"), {"household": reg.resident_a.household_id})
    assert form.status_code == (
        200 if role in VISITORS else (403 if role in {"auditor", "dispatcher"} else 404)
    )
    assert client.get(reverse("visits:new"), {"household": reg.resident_b.household_id}).status_code == 404
    assert client.get(reverse("visits:for_household", args=[reg.resident_b.household_id])).status_code == 404


def test_gridworker_visit_form_raises_two_cases_and_updates_registry(client, reg):
    user = reg.world.a.users["gridworker"]
    client.force_login(user)
    assert client.get(reverse("visits:case_row"), {"n": 1}).status_code == 200
    response = client.post(
        reverse("visits:new"),
        {
            "household": reg.resident_a.household_id,
            "visited_on": today().isoformat(),
            "mode": "door",
            "findings": "入户走访，发现两个问题",
            "needs": "希望加装扶手",
            "met": reg.resident_a.pk,
            "dwelling_use": "rented",
            f"member-{reg.resident_a.pk}-living_status": "resident",
            "case-0-category": reg.world.category.pk,
            "case-0-title": "楼道飞线充电",
            "case-0-description": "3楼",
            "case-1-category": reg.world.category.pk,
            "case-1-title": "单元门口飞线",
            "case-1-description": "1楼",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.cases.count() == 2 and visit.visitor == user
    reg.dwelling_a.refresh_from_db()
    assert reg.dwelling_a.use == "rented"
    detail = client.get(response["Location"]).content.decode()
    assert "楼道飞线充电" in detail and "单元门口飞线" in detail


def test_visit_form_error_is_shown_not_500(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    response = client.post(
        reverse("visits:new"),
        {
            "household": reg.resident_a.household_id,
            "visited_on": today().isoformat(),
            "mode": "door",
            "findings": "x",
            "case-0-title": "无类别",
        },
    )
    assert response.status_code == 400 and "请选择具体类别" in response.content.decode()
    assert not Visit.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_campaign_pages_scope_matrix(client, reg, role):
    campaign_a = services.create_campaign(
        actor=reg.world.a.users["leader"],
        area=reg.world.a.subdistrict,
        name="A四百走访",
        starts_on=today(),
        ends_on=today(),
    )
    campaign_b = services.create_campaign(
        actor=reg.world.b.users["leader"],
        area=reg.world.b.subdistrict,
        name="B四百走访",
        starts_on=today(),
        ends_on=today(),
    )
    client.force_login(reg.world.a.users[role])
    own = client.get(reverse("visits:campaign", args=[campaign_a.pk]))
    assert own.status_code == (200 if role in VISIT_VIEWERS else 404)
    assert client.get(reverse("visits:campaign", args=[campaign_b.pk])).status_code == 404
    if role == "neighbourhood":  # a subdistrict-wide campaign counts only the neighbourhood's households
        assert "A二居" not in own.content.decode()
    new = client.get(reverse("visits:campaign_new"))
    assert new.status_code == (200 if role in {"leader", "neighbourhood"} else 403)


def test_campaign_outside_scope_cannot_be_created(reg):
    with pytest.raises(NotAllowed):
        services.create_campaign(
            actor=reg.world.a.users["neighbourhood"],
            area=reg.world.a.subdistrict,
            name="越权",
            starts_on=today(),
            ends_on=today(),
        )


def test_visit_to_a_unit_updates_its_facts(client, reg):
    from gongzhi.registry import services as registry

    org = registry.create_organization(
        actor=None, area=reg.world.a.neighbourhood, data={"name": "A便利店", "kind": "商户", "employees": "3"}
    )
    client.force_login(reg.world.a.users["gridworker"])
    assert client.get(reverse("visits:new"), {"organization": org.pk}).status_code == 200
    response = client.post(
        reverse("visits:new"),
        {
            "organization": org.pk,
            "visited_on": today().isoformat(),
            "mode": "door",
            "findings": "经营正常",
            "org_employees": "5",
            "org_contact_name": "",
            "org_contact_phone": "",
            "org_party_covered": "否",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.employees == 5
    assert RegistryChange.objects.filter(
        object_type="organization", field="employees", old_value="3", new_value="5", source="visit"
    ).exists()


def test_coverage_ignores_households_that_moved_away(reg):
    from gongzhi.registry import services as registry

    leader = reg.world.a.users["leader"]
    campaign = services.create_campaign(
        actor=leader, area=reg.world.a.subdistrict, name="走访", starts_on=today(), ends_on=today()
    )
    registry.move_resident(actor=None, resident=reg.resident_a, on=today())
    _rows, total, _ended = selectors.coverage(leader, campaign, "grid")
    assert total.total == 0


def test_visit_registers_a_newly_found_resident(client, reg):
    from gongzhi.registry.models import Resident
    from gongzhi.registry.tests.conftest import person_id

    client.force_login(reg.world.a.users["gridworker"])
    form = {
        "household": reg.resident_a.household_id,
        "visited_on": today().isoformat(),
        "mode": "door",
        "findings": "新租客入住",
        "new-name": "新租客",
        "new-id_number": person_id(66, dt.date(1995, 3, 3)),
        "new-phone": "13611112222",
        "new-relation": "tenant",
        "new-registration_type": "migrant",
    }
    assert client.post(reverse("visits:new"), form).status_code == 302
    person = Resident.objects.get(name="新租客")
    assert (person.household_id, person.registration_type, person.moved_in_on) == (
        reg.resident_a.household_id,
        "migrant",
        today(),
    )
    visit = Visit.objects.get()
    assert RegistryChange.objects.filter(
        reference=f"visit:{visit.pk}", field="registered", object_id=person.pk
    ).exists()
    again = client.post(reverse("visits:new"), {**form, "findings": "再次登记"})
    assert again.status_code == 409 and Visit.objects.count() == 1  # the same ID twice: nothing written


def test_coverage_totals_agree_at_every_level_and_buildings_name_their_estate(reg):
    from gongzhi.registry import services as registry_services
    from gongzhi.registry.tests.conftest import person_id
    from gongzhi.territory.services import create_area

    leader = reg.world.a.users["leader"]
    create_area(
        code="A-B2", name="2号楼", kind="building", parent=reg.world.a.estate
    )  # nobody lives there yet
    on_estate = registry_services.create_dwelling(
        actor=None, area=reg.world.a.estate, data={"room": "平房7号"}
    )
    registry_services.register_resident(
        actor=None, dwelling=on_estate, data={"name": "赵桂兰", "id_number": person_id(7)}
    )
    campaign = services.create_campaign(
        actor=leader,
        area=reg.world.a.subdistrict,
        name="四百走访",
        starts_on=today() - dt.timedelta(days=3),
        ends_on=today(),
    )
    totals = {level: selectors.coverage(leader, campaign, level)[1].total for level in selectors.LEVELS}
    assert set(totals.values()) == {2}, totals
    rows, _total, _ended = selectors.coverage(leader, campaign, "building")
    labels = {row.label: row for row in rows}
    assert labels[reg.building_a.name].total == 1  # "A小区1号楼" already names its estate
    assert labels[f"{reg.world.a.estate.name}2号楼"].percent is None  # nothing to visit is not "100%"
    assert [row.total for row in rows if row.unplaced] == [1]
