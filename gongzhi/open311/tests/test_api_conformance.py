"""API conformance points of issue 12 (schemathesis): text fields the services need say
`minLength: 1`, `/notes` honours `expected_version`, an unknown `status` is a 422, and
`/api/text/duplicates` takes API tokens like the rest of the API."""

import json

from gongzhi.cases.models import CaseEvent
from gongzhi.open311.tests.helpers import file_staff_case
from gongzhi.open311.tests.test_rest_api import new_case_body, token_for


def test_schema_says_min_length_where_text_is_needed(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert schemas["CaseIn"]["properties"]["title"]["minLength"] == 1
    assert schemas["CaseIn"]["properties"]["description"]["minLength"] == 1
    assert schemas["CaseNoteIn"]["properties"]["note"]["minLength"] == 1
    assert "note" in schemas["CaseNoteIn"]["required"]
    assert schemas["ReasonIn"]["properties"]["reason"]["minLength"] == 1
    assert schemas["ReplyIn"]["properties"]["text"]["minLength"] == 1


def test_empty_title_is_a_422_not_a_400(world, client):
    headers = token_for(world.a.users["gridworker"])
    response = client.post(
        "/api/cases/", json.dumps(new_case_body(world, title="")), content_type="application/json", **headers
    )
    assert response.status_code == 422 and response.json()["code"] == "validation"


def test_notes_honour_expected_version(world, client):
    headers = token_for(world.a.users["dispatcher"])
    case = file_staff_case(world, world.a)
    stale = client.post(
        f"/api/cases/{case.number}/notes",
        {"note": "已电话联系", "expected_version": case.version + 3},
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert not CaseEvent.objects.filter(case=case, action="note").exists()
    fresh = client.post(
        f"/api/cases/{case.number}/notes",
        {"note": "已电话联系", "expected_version": case.version},
        content_type="application/json",
        **headers,
    )
    assert fresh.status_code == 200


def test_unknown_status_is_a_422(world, client):
    headers = token_for(world.a.users["dispatcher"])
    response = client.get("/api/cases/?status=bogus", **headers)
    assert response.status_code == 422 and response.json()["code"] == "validation"
    for status in ("", "open", "any", "assigned"):
        assert client.get(f"/api/cases/?status={status}", **headers).status_code == 200


def test_duplicates_take_an_api_token(world, client):
    headers = token_for(world.a.users["dispatcher"])
    file_staff_case(world, world.a)
    response = client.get("/api/text/duplicates?title=井盖缺失&description=路口井盖缺失", **headers)
    assert response.status_code == 200, response.content
    assert isinstance(response.json(), list)
    assert client.get("/api/text/duplicates?title=井盖").status_code == 401
