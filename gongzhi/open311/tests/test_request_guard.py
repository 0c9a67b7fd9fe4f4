"""The machine interfaces refuse NUL characters and oversized bodies in their own error shape on
every database (issue 12): SQLite stored NUL through the API; a 12 MiB JSON body was a 500; an
oversized Open311 POST answered an HTML page."""

import json

import pytest

from gongzhi.cases.models import Case
from gongzhi.open311.tests.test_rest_api import new_case_body, token_for


@pytest.fixture
def headers(world):
    return token_for(world.a.users["dispatcher"])


def test_nul_in_a_json_body_is_a_400_and_stores_nothing(world, client, headers):
    body = new_case_body(world, title="楼道\x00堆物")
    response = client.post("/api/cases/", json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters" and set(response.json()) == {
        "code",
        "message",
        "details",
    }
    assert not Case.objects.exists()


def test_nul_in_a_query_is_a_400(world, client, headers):
    assert client.get("/api/cases/?q=a%00b", **headers).status_code == 400


def test_json_body_over_the_limit_is_a_413_in_the_api_shape(world, client, headers, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = new_case_body(world, description="长" * 2000)
    response = client.post("/api/cases/", json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_body_over_the_limit_is_the_specs_error_list(world, client, key_a, settings, fmt):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = {"api_key": key_a.secret, "service_code": "0101", "description": "长" * 2000}
    response = client.post(f"/open311/v2/requests.{fmt}", data)  # multipart
    assert response.status_code == 413
    if fmt == "json":
        assert response.json() == [{"code": 413, "description": "请求内容过大。"}]
    else:
        assert (
            response.content.startswith(b"<?xml") and b"<errors><error><code>413</code>" in response.content
        )
    encoded = client.post(
        f"/open311/v2/requests.{fmt}",
        "api_key=x&description=" + "a" * 4000,
        content_type="application/x-www-form-urlencoded",
    )
    assert encoded.status_code == 413
    assert not Case.objects.exists()
