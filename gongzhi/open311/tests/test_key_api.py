"""The REST API's Open311 key endpoints (/api/open311/keys) are scoped like the keys page: an
administrator of one subdistrict lists, issues and revokes only its own keys (issue 12)."""

import pytest

from gongzhi.accounts.models import Role
from gongzhi.accounts.tokens import issue_token
from gongzhi.open311.models import ApiKey
from gongzhi.testing.world import make_user


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user, name='t')[1]}"}


@pytest.fixture
def admin_a(world):
    return make_user("a_admin", roles=[Role.ADMIN], scope=world.a.subdistrict)


def test_lists_only_the_admins_subdistricts_keys(world, admin_a, key_a, key_b, client):
    response = client.get("/api/open311/keys", **auth(admin_a))
    assert response.status_code == 200
    body = response.json()
    assert [k["id"] for k in body] == [key_a.pk]
    assert body[0]["subdistrict"] == world.a.subdistrict.name
    assert body[0]["prefix"] == key_a.prefix
    assert "secret" not in body[0] and "digest" not in body[0]


def test_issue_returns_the_secret_once_and_it_works(world, admin_a, client):
    response = client.post(
        "/api/open311/keys",
        {"name": "12345热线", "subdistrict": world.a.subdistrict.pk, "rate_limit": 30},
        content_type="application/json",
        **auth(admin_a),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    key = ApiKey.objects.get()
    assert key.subdistrict == world.a.subdistrict and key.rate_limit == 30
    assert ApiKey.objects.matching(body["secret"]) == key
    listed = client.get("/api/open311/keys", **auth(admin_a)).json()
    assert [k["id"] for k in listed] == [key.pk] and "secret" not in listed[0]


def test_issue_for_another_subdistrict_is_not_found_and_writes_nothing(world, admin_a, client):
    response = client.post(
        "/api/open311/keys",
        {"name": "越权", "subdistrict": world.b.subdistrict.pk},
        content_type="application/json",
        **auth(admin_a),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "subdistrict_not_found"
    assert not ApiKey.objects.exists()


def test_revoke_own_key_and_not_anothers(world, admin_a, key_a, key_b, client):
    response = client.post(f"/api/open311/keys/{key_b.pk}/revoke", **auth(admin_a))
    assert response.status_code == 404
    key_b.refresh_from_db()
    assert key_b.revoked_at is None and ApiKey.objects.matching(key_b.secret) == key_b

    response = client.post(f"/api/open311/keys/{key_a.pk}/revoke", **auth(admin_a))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    key_a.refresh_from_db()
    assert key_a.revoked_at is not None and ApiKey.objects.matching(key_a.secret) is None


@pytest.mark.parametrize("role", ["dispatcher", "gridworker", "leader", "auditor"])
def test_staff_without_the_permission_are_refused(world, key_a, client, role):
    user = world.a.users[role]
    headers = auth(user)
    assert client.get("/api/open311/keys", **headers).status_code == 403
    assert client.post(f"/api/open311/keys/{key_a.pk}/revoke", **headers).status_code == 403
    response = client.post(
        "/api/open311/keys",
        {"name": "x", "subdistrict": world.a.subdistrict.pk},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    key_a.refresh_from_db()
    assert key_a.revoked_at is None and ApiKey.objects.count() == 1


def test_without_credentials_is_401(world, key_a, client):
    assert client.get("/api/open311/keys").status_code == 401
    assert client.post(f"/api/open311/keys/{key_a.pk}/revoke").status_code == 401
