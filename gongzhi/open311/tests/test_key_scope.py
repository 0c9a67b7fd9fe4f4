"""Open311 keys and staff tokens are scoped like everything else: an administrator of one
subdistrict lists, is offered, issues and revokes only its own subdistrict's keys (issue 12)."""

import pytest

from gongzhi.accounts.models import Role
from gongzhi.core import rules
from gongzhi.core.errors import NotAllowed
from gongzhi.open311 import selectors, services
from gongzhi.open311.models import ApiKey, ApiToken
from gongzhi.testing.world import make_user


@pytest.fixture
def admins(world):
    return {
        "a": make_user("a_admin", roles=[Role.ADMIN], scope=world.a.subdistrict),
        "b": make_user("b_admin", roles=[Role.ADMIN], scope=world.b.subdistrict),
    }


def test_keys_page_lists_and_offers_only_the_admins_subdistrict(world, admins, key_a, key_b, client):
    client.force_login(admins["a"])
    response = client.get("/open311/keys/")
    assert response.status_code == 200
    assert list(response.context["keys"]) == [key_a]
    assert list(response.context["subdistricts"]) == [world.a.subdistrict]
    page = response.content.decode()
    assert key_a.prefix in page and key_b.prefix not in page
    assert world.b.subdistrict.name not in page


def test_admin_cannot_revoke_another_subdistricts_key(world, admins, key_b, client):
    client.force_login(admins["a"])
    assert client.post(f"/open311/keys/{key_b.pk}/revoke/").status_code == 404
    key_b.refresh_from_db()
    assert key_b.revoked_at is None and ApiKey.objects.matching(key_b.secret) == key_b
    with pytest.raises(NotAllowed):
        services.revoke_key(key=key_b, actor=admins["a"])
    key_b.refresh_from_db()
    assert key_b.revoked_at is None


def test_admin_cannot_issue_a_key_for_another_subdistrict(world, admins, client):
    client.force_login(admins["a"])
    response = client.post("/open311/keys/", {"name": "越权", "subdistrict": world.b.subdistrict.pk})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()
    with pytest.raises(NotAllowed):
        services.issue_key(name="越权", subdistrict=world.b.subdistrict, actor=admins["a"])
    assert not ApiKey.objects.exists()
    # Its own subdistrict works.
    assert (
        client.post("/open311/keys/", {"name": "本街道", "subdistrict": world.a.subdistrict.pk}).status_code
        == 200
    )
    assert ApiKey.objects.get().subdistrict == world.a.subdistrict


def test_key_rule_and_listing_agree_for_every_account_of_both_subdistricts(world, admins, key_a, key_b):
    users = [*world.a.users.values(), *world.b.users.values(), *admins.values(), world.admin]
    for user in users:
        listed = set(selectors.keys_for(user))
        offered = set(selectors.key_subdistricts_for(user))
        for key in (key_a, key_b):
            assert rules.has(user, "apikey.manage", key) == (key in listed), (user.username, key.name)
            assert rules.has(user, "apikey.manage", key.subdistrict) == (key.subdistrict in offered)
    assert set(selectors.keys_for(admins["a"])) == {key_a}
    assert set(selectors.keys_for(admins["b"])) == {key_b}
    assert set(selectors.keys_for(world.admin)) == {key_a, key_b}  # the district's administrator
    assert not selectors.keys_for(world.a.users["leader"]).exists()


def test_tokens_are_each_users_own(world, client):
    mine, _ = services.issue_token(user=world.a.users["dispatcher"], name="mine")
    theirs, _ = services.issue_token(user=world.b.users["dispatcher"], name="theirs")
    client.force_login(world.a.users["dispatcher"])
    assert list(client.get("/open311/tokens/").context["tokens"]) == [mine]
    assert client.post(f"/open311/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert ApiToken.objects.filter(revoked_at=None).count() == 2
