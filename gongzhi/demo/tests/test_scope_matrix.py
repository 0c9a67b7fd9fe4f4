"""Every app's view rules against its selectors, on the whole demo (both subdistricts, every
role): `has(user, "x.view", obj)` is true exactly for the objects `x_for(user)` lists. An app
joins by registering `listings=` beside its rules; the menu shows no link that leads nowhere."""

import random

import pytest
from django.urls import reverse
from django.utils.module_loading import import_string

from gongzhi.accounts.models import User
from gongzhi.core import menu, rules

SAMPLE = 25


def _model_of(selector) -> type:
    return selector(User(username="nobody")).model


@pytest.mark.parametrize("permission", sorted(rules.LISTINGS))
def test_view_rule_and_selector_agree_for_every_account(demo, permission):
    selector = import_string(rules.LISTINGS[permission])
    model = _model_of(selector)
    ids = list(model.objects.values_list("pk", flat=True))
    assert ids, f"the demo has no {model.__name__} rows to check {permission} against"
    chosen = random.Random(permission).sample(ids, min(SAMPLE, len(ids)))
    objects = list(model.objects.filter(pk__in=chosen))
    users = list(User.objects.filter(is_active=True).exclude(scope=None).select_related("scope"))
    disagreements = []
    for user in users:
        listed = set(selector(user).filter(pk__in=chosen).values_list("pk", flat=True))
        for obj in objects:
            if rules.has(user, permission, obj) != (obj.pk in listed):
                disagreements.append(f"{user.username} {permission} {obj.pk}: rule={obj.pk not in listed}")
    assert disagreements == []


def test_menu_links_open_for_everyone_who_sees_them(demo, client):
    users = {}
    for user in User.objects.filter(is_active=True).exclude(scope=None).order_by("username"):
        users.setdefault(tuple(sorted(user.role_codes)), user)
    seen = set()
    for user in users.values():
        client.force_login(user)
        for item in menu.items_for(user) + menu.items_for(user, "user"):
            response = client.get(reverse(item.url_name))
            assert response.status_code == 200, (user.username, item.url_name, response.status_code)
            seen.add(item.url_name)
    assert {"cases:queue", "registry:index", "visits:index", "core:calendar"} <= seen


def test_administrative_objects_are_scoped_for_every_account(demo, client):
    """Open311 keys (and the staff tokens beside them) are scoped like every other row: for every
    demo account the keys page lists, offers and revokes exactly what `apikey.manage` allows."""
    from gongzhi.open311 import selectors as open311_selectors
    from gongzhi.open311 import services as open311_services
    from gongzhi.territory.models import Area, AreaKind

    keys = [
        open311_services.issue_key(name=f"12345平台（{area.name}）", subdistrict=area, actor=None)[0]
        for area in Area.objects.filter(kind=AreaKind.SUBDISTRICT)
    ]
    staff = User.objects.filter(is_active=True).exclude(scope=None).exclude(username__startswith="open311-")
    checked = 0
    for user in staff.select_related("scope"):
        listed = set(open311_selectors.keys_for(user))
        for key in keys:
            assert rules.has(user, "apikey.manage", key) == (key in listed), (user.username, key.name)
        if not rules.has(user, "apikey.manage"):
            assert not listed, user.username
            continue
        checked += 1
        client.force_login(user)
        page = client.get(reverse("open311:keys"))
        assert set(page.context["keys"]) == listed
        assert {s.pk for s in page.context["subdistricts"]} == {k.subdistrict_id for k in listed}
        for key in keys:
            if key not in listed:
                assert client.post(reverse("open311:revoke", args=[key.pk])).status_code == 404
                other = client.post(
                    reverse("open311:keys"), {"name": "越权", "subdistrict": key.subdistrict_id}
                )
                assert other.status_code == 400, user.username
    assert checked >= 2  # an administrator in each subdistrict
    assert not type(keys[0]).objects.exclude(revoked_at=None).exists()  # nothing revoked across scopes
