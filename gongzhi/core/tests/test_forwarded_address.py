"""Behind the documented proxy (issue 12): the client's address comes from X-Forwarded-For only
when the peer is a configured proxy, login lockout and public rate limits are per client address,
and the rate-limit counters live in the shared cache (django-ratelimit)."""

import pytest
from django.core.cache import caches
from django.db import connection

from gongzhi.cases import public_views
from gongzhi.core.middleware import client_address
from gongzhi.testing import PASSWORD

PROXY = "127.0.0.1"  # the Django test client's REMOTE_ADDR, like nginx on the same host


@pytest.fixture
def behind_proxy(settings):
    settings.GONGZHI_TRUSTED_PROXIES = [PROXY, "10.0.0.0/8"]


def test_forwarded_address_is_believed_only_from_a_trusted_proxy(behind_proxy):
    assert client_address(PROXY, "203.0.113.5") == "203.0.113.5"
    # nginx appends the peer it saw: a client's own forged entries to the left are ignored.
    assert client_address(PROXY, "1.2.3.4, 203.0.113.5") == "203.0.113.5"
    assert client_address(PROXY, "203.0.113.5, 10.1.2.3") == "203.0.113.5"  # two proxies
    assert client_address("198.51.100.9", "203.0.113.5") == "198.51.100.9"  # not a proxy
    assert client_address(PROXY, "") == PROXY
    assert client_address(PROXY, "junk") == PROXY


def test_no_proxy_configured_ignores_the_header(settings):
    settings.GONGZHI_TRUSTED_PROXIES = []
    assert client_address(PROXY, "203.0.113.5") == PROXY


def _login(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address
    )


def test_two_clients_behind_the_proxy_are_locked_out_independently(world, client, behind_proxy):
    for _ in range(5):
        _login(client, "a_dispatcher", "wrong", "203.0.113.5")
    assert _login(client, "a_dispatcher", PASSWORD, "203.0.113.5").status_code == 429
    # The same account from another client behind the same proxy still logs in.
    assert _login(client, "a_dispatcher", PASSWORD, "198.51.100.7").status_code == 302


def test_a_client_cannot_pick_its_address_when_not_behind_a_proxy(world, client, settings):
    settings.GONGZHI_TRUSTED_PROXIES = []
    for n in range(5):
        _login(client, "a_dispatcher", "wrong", f"203.0.113.{n}")
    assert _login(client, "a_dispatcher", PASSWORD, "198.51.100.7").status_code == 429


def test_password_spraying_locks_the_address(world, client, behind_proxy):
    roles = ["admin", "auditor", "leader", "handler", "neighbourhood", "gridworker"]
    for side in "ab":
        for role in roles[:3] if side == "b" else roles:
            for _ in range(4 if side == "a" else 2):
                _login(client, f"{side}_{role}", "wrong", "203.0.113.5")  # 24 + 6 = 30 failures
    assert _login(client, "a_dispatcher", PASSWORD, "203.0.113.5").status_code == 429
    assert _login(client, "a_dispatcher", PASSWORD, "198.51.100.7").status_code == 302


def test_public_limits_are_per_client_in_the_shared_cache(world, client, behind_proxy, monkeypatch):
    monkeypatch.setattr(public_views, "TRACKS_PER_HOUR", 3)
    form = {"number": "GZ-NONE", "phone_last4": "1234"}
    for _ in range(3):
        assert client.post("/public/track/", form, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404
    assert client.post("/public/track/", form, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    # Another citizen behind the same proxy is not blocked by the first one.
    assert client.post("/public/track/", form, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 404
    # The counters are in the database cache every worker reads, not one process's memory.
    assert caches["ratelimit"].__class__.__name__ in ("CounterCache", "RedisCache")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM core_ratecounter")
        assert cursor.fetchone()[0] >= 2


def test_participation_and_cobuilding_limits_share_the_one_counter_store(
    world, client, behind_proxy, monkeypatch
):
    """The suggestion codes and the courier map's place reports count in the same shared cache as
    the case forms (gongzhi.core.throttle), per client address, in buckets of their own."""
    from django.urls import reverse

    from gongzhi.cobuilding import public_views as cobuilding_public
    from gongzhi.participation import public_views as participation_public

    monkeypatch.setattr(participation_public, "CODES_PER_HOUR", 2)
    monkeypatch.setattr(cobuilding_public, "REPORTS_PER_HOUR", 2)
    code_url = reverse("participation:public_code")
    for _ in range(2):
        page = client.post(code_url, {"phone": "13800000000"}, HTTP_X_FORWARDED_FOR="203.0.113.5")
        assert "太频繁" not in page.content.decode()
    page = client.post(code_url, {"phone": "13800000000"}, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert "获取验证码太频繁" in page.content.decode()
    page = client.post(code_url, {"phone": "13800000000"}, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert "太频繁" not in page.content.decode()

    report_url = reverse("cobuilding:map_report", args=[999999])
    for _ in range(2):
        assert (
            client.post(report_url, {"kind": "closed"}, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404
        )
    assert client.post(report_url, {"kind": "closed"}, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM core_ratecounter")
        assert cursor.fetchone()[0] >= 3
