"""/api/mediation/: the same services and scope as the pages, errors in one shape."""

import pytest

from gongzhi.accounts.tokens import issue_token
from gongzhi.mediation.models import Dispute
from gongzhi.mediation.tests.helpers import new_dispute

pytestmark = pytest.mark.django_db


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user, name='t')[1]}"}


def test_register_act_and_read(world, client):
    user = world.a.users["neighbourhood"]
    body = {
        "area_id": world.a.estate.pk,
        "kind": "noise",
        "title": "广场舞噪声",
        "matter": "晚上九点后音响声音过大。",
        "parties": [{"role": "applicant", "name": "孙丽"}, {"role": "respondent", "name": "舞蹈队"}],
    }
    created = client.post("/api/mediation/disputes", body, content_type="application/json", **bearer(user))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["actions"] == ["accept", "decline", "withdraw"]
    accepted = client.post(
        f"/api/mediation/disputes/{pk}/actions/accept", {}, content_type="application/json", **bearer(user)
    )
    assert accepted.json()["status"] == "accepted"
    listed = client.get("/api/mediation/disputes", **bearer(world.a.users["auditor"])).json()
    assert [d["id"] for d in listed] == [pk]
    detail = client.get(f"/api/mediation/disputes/{pk}", **bearer(world.a.users["auditor"])).json()
    assert detail["parties"][0]["name"] == "孙*" and detail["actions"] == []
    assert client.get(f"/api/mediation/disputes/{pk}", **bearer(world.b.users["leader"])).status_code == 404
    assert client.get("/api/mediation/figures", **bearer(user)).json()["accepted"] == 1


def test_errors_have_one_shape_and_change_nothing(world, client):
    dispute = new_dispute(world)
    user = world.a.users["neighbourhood"]
    wrong = client.post(
        f"/api/mediation/disputes/{dispute.pk}/actions/agree",
        {},
        content_type="application/json",
        **bearer(user),
    )
    assert wrong.status_code == 400 and set(wrong.json()) == {"code", "message", "details"}
    forbidden = client.post(
        f"/api/mediation/disputes/{dispute.pk}/actions/accept",
        {},
        content_type="application/json",
        **bearer(world.a.users["gridworker"]),
    )
    assert forbidden.status_code == 403
    late = client.post(
        f"/api/mediation/disputes/{dispute.pk}/actions/close_held",
        {},
        content_type="application/json",
        **bearer(user),
    )
    assert late.status_code == 409
    assert Dispute.objects.get(pk=dispute.pk).status == "applied"
