"""Logins, failures, lockouts and 403s as audit events with the client's address, user agent and
request id (A9, 8.1.4.3 a b); the events of an action taken in a request carry them too."""

from __future__ import annotations

import re

from django.test import Client

from gongzhi.accounts import chain
from gongzhi.accounts.models import AuditEvent, Role
from gongzhi.testing import PASSWORD, make_user

AGENT = "Mozilla/5.0 (Linux; Android 14) gongzhi-test"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _login(client, username: str, password: str = PASSWORD, **extra):
    headers = {"REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": AGENT, **extra}
    return client.post("/accounts/login/", {"username": username, "password": password}, **headers)


def test_login_and_logout_are_audited_with_address_agent_and_request_id(world, client):
    response = _login(client, "a_dispatcher")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login")
    user = world.a.users["dispatcher"]
    assert (event.actor, event.object_id, event.subdistrict) == (user, str(user.pk), world.a.subdistrict)
    assert (event.ip, event.user_agent) == ("198.51.100.23", AGENT)
    assert HEX_ID.match(event.request_id) and response["X-Request-ID"] == event.request_id
    client.post("/accounts/logout/", REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT=AGENT)
    logout = AuditEvent.objects.get(action="logout")
    assert logout.actor == user and logout.ip == "198.51.100.23" and logout.request_id != event.request_id
    assert chain.verify(AuditEvent).ok


def test_a_failed_login_names_the_account_and_never_the_password(world, client):
    _login(client, "a_dispatcher", "Wrong-secret-123")
    _login(client, "nobody_here", "Other-secret-456")
    known, unknown = AuditEvent.objects.filter(action="login.failed").order_by("id")
    assert known.actor is None and known.actor_label == "a_dispatcher"
    assert known.object_id == str(world.a.users["dispatcher"].pk) and known.subdistrict == world.a.subdistrict
    assert known.data == {"username": "a_dispatcher", "known_account": True}
    assert (known.ip, known.user_agent) == ("198.51.100.23", AGENT) and HEX_ID.match(known.request_id)
    assert unknown.data == {"username": "nobody_here", "known_account": False} and unknown.subdistrict is None
    every = " ".join(str(v) for row in AuditEvent.objects.values() for v in row.values())
    assert "Wrong-secret" not in every and "Other-secret" not in every


def test_a_lockout_is_audited(world, client):
    for _attempt in range(5):
        _login(client, "a_dispatcher", "wrong")
    assert _login(client, "a_dispatcher").status_code == 429
    locked = AuditEvent.objects.filter(action="login.locked_out").order_by("id")
    assert locked.exists()
    first = locked.first()
    assert first.actor_label == "a_dispatcher" and first.ip == "198.51.100.23" and first.user_agent == AGENT
    assert first.subdistrict == world.a.subdistrict
    assert AuditEvent.objects.filter(action="login.failed").count() >= 5
    assert not AuditEvent.objects.filter(action="login").exists()


def test_a_403_is_audited_with_who_where_and_what(world, client):
    worker = world.a.users["gridworker"]
    client.force_login(worker)
    response = client.get(
        "/accounts/audit/?since=2026-01-01", REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT=AGENT
    )
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor == worker and event.subdistrict == world.a.subdistrict
    assert event.data == {"path": "/accounts/audit/", "method": "GET"}
    assert (event.ip, event.user_agent) == ("198.51.100.9", AGENT)
    assert event.request_id == response["X-Request-ID"]


def test_the_request_id_and_address_of_a_trusted_proxy_are_believed_and_nobody_elses(world, client, settings):
    settings.GONGZHI_TRUSTED_PROXIES = ["127.0.0.1"]
    _login(
        client,
        "a_dispatcher",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        HTTP_X_REQUEST_ID="0f3c9a7be1d24c55a1b2c3d4e5f60718",
    )
    via_proxy = AuditEvent.objects.get(action="login")
    assert via_proxy.ip == "203.0.113.7" and via_proxy.request_id == "0f3c9a7be1d24c55a1b2c3d4e5f60718"
    other = world.a.users["leader"]
    Client().post(
        "/accounts/login/",
        {"username": other.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.40",  # not a proxy: its headers are not believed
        HTTP_X_FORWARDED_FOR="10.9.9.9",
        HTTP_X_REQUEST_ID="chosen-by-the-client-123",
    )
    direct = AuditEvent.objects.filter(action="login", actor=other).get()
    assert direct.ip == "198.51.100.40" and HEX_ID.match(direct.request_id)


def test_an_administrative_act_in_a_request_carries_the_request_origin(world, client):
    secadmin = world.a.admins["secadmin"]
    newcomer = make_user("a_newcomer", roles=[], scope=world.a.grid)
    client.force_login(secadmin)
    response = client.post(
        f"/accounts/staff/{newcomer.pk}/",
        {"action": "grant", "role": Role.GRIDWORKER},
        REMOTE_ADDR="198.51.100.77",
        HTTP_USER_AGENT=AGENT,
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="role.grant", object_id=str(newcomer.pk))
    assert (event.ip, event.user_agent, event.request_id) == (
        "198.51.100.77",
        AGENT,
        response["X-Request-ID"],
    )
    assert chain.verify(AuditEvent).ok


def test_rows_without_an_origin_keep_the_hash_they_had_before_the_fields_existed(world):
    from gongzhi.accounts import audit

    row = audit.record(actor=world.admin, action="test.old_style")
    fields = (
        {f.attname for f in AuditEvent._meta.concrete_fields} - chain.SKIP - set(AuditEvent.CHAIN_OPTIONAL)
    )
    assert all(name.encode() in chain.canonical(row) for name in fields)
    assert b"user_agent" not in chain.canonical(row) and b"request_id" not in chain.canonical(row)
