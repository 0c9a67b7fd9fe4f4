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
