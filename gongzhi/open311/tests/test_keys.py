"""Issuing and revoking keys and tokens: the command, the page, storage never in clear."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.open311.models import ApiKey, ApiToken


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_apikey_create_prints_a_key_stored_only_as_a_digest(world):
    secret = run("apikey", "create", "12345平台")
    key = ApiKey.objects.get()
    assert secret.startswith(f"gzk_{key.prefix}_")
    assert key.subdistrict.code == "A"  # the first subdistrict by default
    assert secret not in (key.key_digest, key.prefix) and secret.split("_", 2)[2] not in key.key_digest
    assert ApiKey.objects.matching(secret) == key


def test_apikey_create_for_a_subdistrict_list_and_revoke(world):
    secret = run("apikey", "create", "B小程序", "--subdistrict", "B")
    key = ApiKey.objects.get()
    assert key.subdistrict == world.b.subdistrict
    assert key.prefix in run("apikey", "list")
    run("apikey", "revoke", key.prefix)
    assert ApiKey.objects.matching(secret) is None
    key.actor.refresh_from_db()
    assert not key.actor.is_active


def test_apikey_unknown_subdistrict_fails(world):
    with pytest.raises(CommandError):
        run("apikey", "create", "x", "--subdistrict", "A-G1")


def test_service_account_cannot_log_in(world):
    run("apikey", "create", "x")
    account = ApiKey.objects.get().actor
    assert not account.has_usable_password()


def test_apitoken_command(world):
    secret = run("apitoken", "create", "a_dispatcher")
    token = ApiToken.objects.get()
    assert secret.startswith(f"gzt_{token.prefix}_") and token.user.username == "a_dispatcher"
    run("apitoken", "revoke", token.prefix)
    assert ApiToken.objects.matching(secret) is None
    with pytest.raises(CommandError):
        run("apitoken", "create", "nobody")


def test_admin_issues_and_revokes_keys_on_the_page(world, client):
    client.force_login(world.admin)
    response = client.post("/open311/keys/", {"name": "FixMyStreet", "subdistrict": world.b.subdistrict.pk})
    assert response.status_code == 200
    key = ApiKey.objects.get()
    secret = response.context["secret"]
    assert key.subdistrict == world.b.subdistrict and ApiKey.objects.matching(secret) == key
    assert secret in response.content.decode()
    assert secret not in client.get("/open311/keys/").content.decode()  # shown once
    client.post(f"/open311/keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_only_admins_manage_keys(world, client):
    client.force_login(world.a.users["dispatcher"])
    assert client.get("/open311/keys/").status_code == 403
    assert (
        client.post("/open311/keys/", {"name": "x", "subdistrict": world.a.subdistrict.pk}).status_code == 403
    )
    assert not ApiKey.objects.exists()


def test_staff_issue_and_revoke_their_own_tokens_on_the_page(world, client):
    user = world.a.users["dispatcher"]
    client.force_login(user)
    response = client.post("/open311/tokens/", {"name": "脚本"})
    secret = response.context["secret"]
    token = ApiToken.objects.get()
    assert token.user == user and ApiToken.objects.matching(secret) == token
    assert client.get("/api/cases/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    client.force_login(world.b.users["dispatcher"])
    assert client.post(f"/open311/tokens/{token.pk}/revoke/").status_code == 404  # not theirs
    client.force_login(user)
    client.post(f"/open311/tokens/{token.pk}/revoke/")
    assert ApiToken.objects.matching(secret) is None
