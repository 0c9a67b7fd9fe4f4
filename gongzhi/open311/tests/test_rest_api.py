"""The REST API at /api/: token auth, scope, the services behind each action, errors."""

import json

import pytest

from gongzhi.cases.models import Case, Status
from gongzhi.open311 import services
from gongzhi.open311.tests.helpers import file_staff_case


def token_for(user):
    _token, secret = services.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def a_dispatcher(world):
    return token_for(world.a.users["dispatcher"])


def test_no_token_is_401_in_the_error_shape(world, client):
    response = client.get("/api/cases/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}


def test_bad_expired_or_revoked_token_is_401(world, client):
    user = world.a.users["dispatcher"]
    token, secret = services.issue_token(user=user, name="x")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/cases/", **headers).status_code == 200
    services.revoke_token(token=token)
    assert client.get("/api/cases/", **headers).status_code == 401
    assert client.get("/api/cases/", HTTP_AUTHORIZATION="Bearer gzt_00000000_nope").status_code == 401


def test_token_is_stored_as_a_digest_only(world):
    token, secret = services.issue_token(user=world.a.users["dispatcher"], name="x")
    token.refresh_from_db()
    assert secret not in (token.prefix, token.key_digest) and secret.split("_", 2)[2] not in token.key_digest


def test_queue_is_scoped_and_paginated_by_cursor(world, client, a_dispatcher):
    mine = [file_staff_case(world, world.a) for _ in range(3)]
    file_staff_case(world, world.b)
    first = client.get("/api/cases/?limit=2", **a_dispatcher).json()
    assert len(first["items"]) == 2 and first["next"]
    second = client.get(f"/api/cases/?limit=2&after={first['next']}", **a_dispatcher).json()
    assert second["next"] == ""
    numbers = [c["number"] for c in first["items"] + second["items"]]
    assert sorted(numbers) == sorted(c.number for c in mine)


def test_b_token_never_sees_an_a_case(world, client):
    a_case = file_staff_case(world, world.a)
    headers = token_for(world.b.users["leader"])
    assert client.get("/api/cases/?status=any", **headers).json()["items"] == []
    response = client.get(f"/api/cases/{a_case.number}", **headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.post(
        f"/api/cases/{a_case.number}/accept", {}, content_type="application/json", **headers
    )
    assert response.status_code == 404
    assert Case.objects.get().status == Status.REPORTED


def test_detail_has_the_timeline(world, client, a_dispatcher):
    case = file_staff_case(world, world.a)
    body = client.get(f"/api/cases/{case.number}", **a_dispatcher).json()
    assert body["number"] == case.number and [e["action"] for e in body["timeline"]] == ["report"]
    assert "accept" in body["allowed_actions"]


def test_actions_go_through_the_services(world, client, a_dispatcher):
    case = file_staff_case(world, world.a)
    url = f"/api/cases/{case.number}"
    assert (
        client.post(
            f"{url}/accept", {"note": "收到"}, content_type="application/json", **a_dispatcher
        ).status_code
        == 200
    )
    response = client.post(
        f"{url}/assign",
        {"tier": 3, "unit": world.a.department.pk},
        content_type="application/json",
        **a_dispatcher,
    )
    assert response.status_code == 200 and response.json()["status"] == "assigned"
    handler = token_for(world.a.users["handler"])
    response = client.post(f"{url}/reply", {"text": "已处理"}, content_type="application/json", **handler)
    assert response.status_code == 200
    assert [e["action"] for e in response.json()["timeline"]] == ["report", "accept", "assign", "reply"]


def test_refused_action_is_403_and_bad_transition_409(world, client, a_dispatcher):
    case = file_staff_case(world, world.a)
    gridworker = token_for(world.a.users["gridworker"])
    response = client.post(
        f"/api/cases/{case.number}/accept", {}, content_type="application/json", **gridworker
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = client.post(
        f"/api/cases/{case.number}/close", {}, content_type="application/json", **a_dispatcher
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_stale_version_is_409(world, client, a_dispatcher):
    case = file_staff_case(world, world.a)
    response = client.post(
        f"/api/cases/{case.number}/accept",
        {"expected_version": case.version + 5},
        content_type="application/json",
        **a_dispatcher,
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_validation_errors_are_422_with_fields(world, client, a_dispatcher):
    case = file_staff_case(world, world.a)
    response = client.post(
        f"/api/cases/{case.number}/assign", {"tier": 9}, content_type="application/json", **a_dispatcher
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation"
    fields = {tuple(e["loc"])[-1] for e in body["details"]["errors"]}
    assert {"tier", "unit"} <= fields


def new_case_body(world, **extra):
    return {
        "category": "0101",
        "title": "井盖缺失",
        "description": "路口井盖缺失",
        "source": "patrol",
        "area": world.a.neighbourhood.code,
        **extra,
    }


def test_create_with_idempotency_key_files_once(world, client):
    headers = token_for(world.a.users["gridworker"])
    headers["HTTP_IDEMPOTENCY_KEY"] = "abc-123"
    first = client.post("/api/cases/", new_case_body(world), content_type="application/json", **headers)
    again = client.post("/api/cases/", new_case_body(world), content_type="application/json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_same_idempotency_key_other_body_is_409(world, client):
    headers = token_for(world.a.users["gridworker"])
    headers["HTTP_IDEMPOTENCY_KEY"] = "k1"
    client.post("/api/cases/", new_case_body(world), content_type="application/json", **headers)
    response = client.post(
        "/api/cases/", new_case_body(world, title="别的"), content_type="application/json", **headers
    )
    assert response.status_code == 409 and Case.objects.count() == 1


def test_idempotency_key_is_per_user(world, client):
    for side in (world.a,):
        for role in ("gridworker", "dispatcher"):
            headers = token_for(side.users[role])
            headers["HTTP_IDEMPOTENCY_KEY"] = "same"
            assert (
                client.post(
                    "/api/cases/", new_case_body(world), content_type="application/json", **headers
                ).status_code
                == 201
            )
    assert Case.objects.count() == 2


def test_create_outside_scope_is_refused(world, client):
    headers = token_for(world.a.users["gridworker"])
    response = client.post(
        "/api/cases/",
        new_case_body(world, area=world.b.neighbourhood.code),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404 and not Case.objects.exists()


def test_areas_are_the_scope_subtree_with_outlines(world, client):
    headers = token_for(world.a.users["gridworker"])  # scope: A's first grid
    codes = [a["code"] for a in client.get("/api/areas/", **headers).json()]
    assert codes == ["A-G1", "A-N1", "A-E1"]
    outline = client.get("/api/areas/A-N1", **headers).json()["outline"]
    assert outline["type"] == "Feature" and outline["geometry"]["type"] == "Polygon"
    assert client.get("/api/areas/B-N1", **headers).status_code == 404
    collection = client.get("/api/areas/outlines", **headers).json()
    assert {f["properties"]["code"] for f in collection["features"]} == {"A-G1", "A-N1"}


def test_openapi_and_docs_load_without_a_cdn(world, client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/cases/{number}/assign" in schema["paths"]
    page = client.get("/api/docs").content.decode()
    config = page.split('id="swagger-settings">')[1].split("</script>")[0]
    assert json.loads(config)["url"] == "/api/openapi.json"
    assert "cdn" not in page and "http" not in page.replace('"url": "/api/openapi.json"', "")
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and b"SwaggerUIBundle" in b"".join(asset.streaming_content)
    assert client.get("/api/docs/assets/..%2Fsettings.py").status_code == 404


def test_session_login_works_for_reads(world, client):
    client.force_login(world.a.users["dispatcher"])
    assert client.get("/api/cases/").status_code == 200


def test_nul_characters_are_a_400_not_a_500(world, client, a_dispatcher):
    response = client.get("/api/cases/?q=a%00b", **a_dispatcher)
    assert response.status_code in (200, 400)  # SQLite copes; PostgreSQL refuses NUL -> 400
    response = client.get("/api/cases/12%0034", **a_dispatcher)
    assert response.status_code in (400, 404)


def test_queue_query_count_does_not_grow_with_rows(
    world, client, a_dispatcher, django_assert_max_num_queries
):
    for _ in range(6):
        file_staff_case(world, world.a)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/cases/", **a_dispatcher).json()["items"]) == 6


def test_note_with_photos_is_multipart(world, client, a_dispatcher, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    case = file_staff_case(world, world.a)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    photo = SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")
    response = client.post(
        f"/api/cases/{case.number}/photos", {"note": "现场照片", "photos": [photo]}, **a_dispatcher
    )
    assert response.status_code == 200, response.content
    event = response.json()["timeline"][-1]
    assert event["action"] == "note" and event["attachments"][0]["width"] == 40
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(
        f"/api/cases/{case.number}/photos", {"note": "假图", "photos": [fake]}, **a_dispatcher
    )
    assert response.status_code == 400 and case.events.count() == 2
