"""The administrators' pages only from the allow-listed networks (A8, research note: "admin URLs
IP-allow-listed"): `GONGZHI_ADMIN_ALLOWED_NETS`, None = no limit; the address is the one the
trusted-proxy rule settles on, so a client cannot name its own."""

from __future__ import annotations

import pytest

from gongzhi.accounts import policy
from gongzhi.accounts.models import AuditEvent

ADMIN_PAGES = ["/django-admin/", "/accounts/staff/", "/accounts/audit/"]


@pytest.fixture
def office(settings):
    settings.GONGZHI_ADMIN_ALLOWED_NETS = ["10.20.0.0/16", "192.0.2.5"]
    return settings


def _open(client, user, url: str, **headers):
    client.force_login(user)
    return client.get(url, **headers)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_administrator_pages_refuse_an_address_outside_the_allow_list(world, client, office, url):
    owner = {"/accounts/staff/": "secadmin", "/accounts/audit/": "auditadmin"}.get(url, "sysadmin")
    response = _open(client, world.a.admins[owner], url, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 403
    assert "管理页面只能从指定的网络地址访问" in response.content.decode()
    event = AuditEvent.objects.get(action="access.denied")
    assert event.ip == "198.51.100.7" and event.data["path"] == url


def test_the_allow_listed_networks_open_them(world, client, office):
    assert (
        _open(client, world.a.admins["secadmin"], "/accounts/staff/", REMOTE_ADDR="10.20.3.4").status_code
        == 200
    )
    assert (
        _open(client, world.a.admins["auditadmin"], "/accounts/audit/", REMOTE_ADDR="192.0.2.5").status_code
        == 200
    )


def test_the_limit_holds_before_sign_in_and_leaves_other_pages_alone(world, client, office):
    assert client.get("/django-admin/login/", REMOTE_ADDR="198.51.100.7").status_code == 403
    assert client.get("/accounts/login/", REMOTE_ADDR="198.51.100.7").status_code == 200
    assert (
        _open(client, world.a.users["dispatcher"], "/cases/", REMOTE_ADDR="198.51.100.7").status_code == 200
    )


def test_a_forwarded_address_counts_only_through_a_trusted_proxy(world, client, office):
    office.GONGZHI_TRUSTED_PROXIES = ["127.0.0.1"]
    secadmin = world.a.admins["secadmin"]
    via_proxy = _open(
        client, secadmin, "/accounts/staff/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.1.1"
    )
    assert via_proxy.status_code == 200
    spoofed = _open(
        client, secadmin, "/accounts/staff/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.20.1.1"
    )
    assert spoofed.status_code == 403
    outside = _open(
        client, secadmin, "/accounts/staff/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert outside.status_code == 403


def test_no_setting_means_no_limit_and_a_comma_list_is_read(world, client, settings):
    if hasattr(settings, "GONGZHI_ADMIN_ALLOWED_NETS"):
        del settings.GONGZHI_ADMIN_ALLOWED_NETS
    assert policy.admin_networks() is None
    assert (
        _open(client, world.a.admins["secadmin"], "/accounts/staff/", REMOTE_ADDR="198.51.100.7").status_code
        == 200
    )
    settings.GONGZHI_ADMIN_ALLOWED_NETS = "10.0.0.0/8, 2001:db8::/32"
    assert [str(n) for n in policy.admin_networks()] == ["10.0.0.0/8", "2001:db8::/32"]
    settings.GONGZHI_ADMIN_ALLOWED_NETS = []  # an empty list: from nowhere
    assert (
        _open(client, world.a.admins["secadmin"], "/accounts/staff/", REMOTE_ADDR="10.1.1.1").status_code
        == 403
    )
