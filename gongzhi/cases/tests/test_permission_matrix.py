"""Every role × in-scope/out-of-scope × every case permission and page: what is allowed and
what is refused, and nothing leaks into lists or counts."""

import pytest

from gongzhi.cases import metrics, selectors
from gongzhi.cases import rules as case_rules
from gongzhi.cases.actions import ACTIONS
from gongzhi.cases.tests.helpers import assigned_case
from gongzhi.core import rules as permissions

ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker", "station"]

# For a case in A's first neighbourhood, at tier 1, assigned to A's committee.
EXPECTED = {
    "case.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "case.accept": {"dispatcher"},
    "case.reject": {"dispatcher"},
    "case.assign": {"dispatcher", "leader"},
    "case.merge": {"dispatcher"},
    "case.escalate": {"dispatcher", "leader", "neighbourhood"},
    "case.consult": {"dispatcher", "leader", "neighbourhood"},
    "case.coordinate": {"leader"},
    "case.reply": {"neighbourhood"},
    "case.verify": {"dispatcher"},
    "case.close": {"dispatcher"},
    "case.reopen": {"dispatcher", "leader"},
    "case.suspend_request": {"dispatcher", "neighbourhood"},
    "case.suspend_approve": {"leader"},
    "case.resume": {"dispatcher", "leader"},
    "case.note": {"leader", "dispatcher", "neighbourhood", "gridworker"},
    "case.rate_by_phone": {"dispatcher"},
    "case.reclassify": {"dispatcher"},
    "case.reclassify_request": {"neighbourhood"},
    "case.onsite_check": {"dispatcher"},
}


def test_matrix_covers_every_case_permission():
    assert set(EXPECTED) == {"case.view"} | {f"case.{a}" for a in case_rules.CASE_ACTIONS}


@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_permission_in_scope(world, permission):
    case = assigned_case(world)
    allowed = {role for role in ROLES if permissions.has(world.a.users[role], permission, case)}
    assert allowed == EXPECTED[permission]


@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_no_permission_out_of_scope(world, permission):
    case = assigned_case(world)
    allowed = {role for role in ROLES if permissions.has(world.b.users[role], permission, case)}
    assert allowed == set()
    assert not permissions.has(world.admin, permission, case)  # separation of duties


def test_neighbour_neighbourhood_and_grid_cannot_see(world):
    case = assigned_case(world, area=world.a.other_neighbourhood, unit=world.a.other_committee)
    seen = {role for role in ROLES if permissions.has(world.a.users[role], "case.view", case)}
    assert seen == {"auditor", "leader", "dispatcher"}


def test_handler_sees_and_replies_only_its_units_cases(world):
    case = assigned_case(world, tier=3, unit=world.a.department)
    handler = world.a.users["handler"]
    assert permissions.has(handler, "case.view", case)
    assert permissions.has(handler, "case.reply", case)
    assert not permissions.has(world.a.users["station"], "case.view", case)


@pytest.mark.parametrize("role", ROLES + ["admin"])
def test_pages_and_lists_follow_view_permission(world, client, role):
    case = assigned_case(world)
    for side, expected_visible in (("a", role in EXPECTED["case.view"]), ("b", False)):
        user = world.admin if role == "admin" else getattr(world, side).users[role]
        if role == "admin" and side == "b":
            continue
        client.force_login(user)
        response = client.get(f"/cases/{case.number}/")
        assert response.status_code == (200 if expected_visible else 404)
        listed = client.get("/cases/?view=all&status=any")
        assert (case.number in listed.content.decode()) == expected_visible
        assert (selectors.cases_for(user).filter(pk=case.pk).count() == 1) == expected_visible
        if expected_visible:
            for action in ACTIONS:
                post = client.post(f"/cases/{case.number}/act/{action}/", {})
                assert post.status_code != 404
        else:
            post = client.post(f"/cases/{case.number}/act/accept/", {})
            assert post.status_code == 404


def test_counts_do_not_leak(world):
    assigned_case(world)
    assigned_case(world)
    board_b = metrics.dashboard(selectors.cases_for(world.b.users["leader"]), root=world.b.subdistrict)
    board_a = metrics.dashboard(selectors.cases_for(world.a.users["leader"]), root=world.a.subdistrict)
    assert board_b.overall.total == 0
    assert board_a.overall.total == 2


def test_photo_of_a_case_not_served_out_of_scope(world, client):
    from gongzhi.cases.tests.test_photos import jpeg_upload

    case = assigned_case(world)
    from gongzhi.cases import services

    services.add_note(case=case, actor=world.a.users["dispatcher"], note="现场照片", photos_=[jpeg_upload()])
    photo = case.attachments.get()
    client.force_login(world.a.users["dispatcher"])
    assert client.get(f"/cases/{case.number}/photo/{photo.pk}/").status_code == 200
    client.force_login(world.b.users["dispatcher"])
    assert client.get(f"/cases/{case.number}/photo/{photo.pk}/").status_code == 404
