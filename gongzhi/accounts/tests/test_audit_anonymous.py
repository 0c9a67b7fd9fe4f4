"""Events that name no account (A9, A21): a failed login for a username that is no account is
filed where an audit administrator reads it, and what anonymous clients cause (403s, failed
logins, lockouts) is capped per address and minute so that a flood cannot fill the audit table."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from gongzhi.accounts import chain, selectors
from gongzhi.accounts.models import AuditEvent, Role
from gongzhi.territory.services import create_area
from gongzhi.testing import make_user

pytestmark = pytest.mark.django_db

# The start of a minute, so that every request of a burst counts in one window.
START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


def _fail(client, username: str, address: str = "198.51.100.23"):
    return client.post(
        "/accounts/login/", {"username": username, "password": "Wrong-secret-123"}, REMOTE_ADDR=address
    )


@pytest.fixture
def office(settings):
    """Administrators' pages only from the office: any other address gets an anonymous 403."""
    settings.GONGZHI_ADMIN_ALLOWED_NETS = ["10.20.0.0/16"]
    settings.GONGZHI_AUDIT_ANONYMOUS_EVENTS_PER_MINUTE = 3
    return settings


def test_a_failed_login_for_an_unknown_username_is_read_at_the_district(world, client):
    """With several subdistricts an unknown username belongs to none of them: the event is
    filed under none and read by the district's audit administrator, not a subdistrict's."""
    district_auditor = make_user("d_auditadmin", roles=[Role.AUDIT_ADMIN], scope=world.district)
    _fail(client, "nobody_here")
    event = AuditEvent.objects.get(action="login.failed")
    assert event.subdistrict is None and event.actor is None
    assert event.data == {"username": "nobody_here", "known_account": False}
    assert list(selectors.audit_events_for(district_auditor)) == [event]
    assert event not in selectors.audit_events_for(world.a.admins["auditadmin"])
    client.force_login(district_auditor)
    assert "nobody_here" in client.get(reverse("accounts:audit_log")).content.decode()


def test_the_district_reads_a_known_accounts_failure_in_its_subdistrict_too(world, client):
    district_auditor = make_user("d_auditadmin", roles=[Role.AUDIT_ADMIN], scope=world.district)
    _fail(client, "a_dispatcher")
    event = AuditEvent.objects.get(action="login.failed")
    assert event.subdistrict == world.a.subdistrict
    assert event in selectors.audit_events_for(district_auditor)
    assert event in selectors.audit_events_for(world.a.admins["auditadmin"])
    assert event not in selectors.audit_events_for(world.b.admins["auditadmin"])


def test_in_a_deployment_of_one_subdistrict_unknown_usernames_are_filed_there(client, office):
    district = create_area(code="D9", name="示范区", kind="district")
    subdistrict = create_area(code="D9-S1", name="示范街道", kind="subdistrict", parent=district)
    auditor = make_user("s_auditadmin", roles=[Role.AUDIT_ADMIN], scope=subdistrict)
    _fail(client, "nobody_here")
    Client().get("/django-admin/", REMOTE_ADDR="198.51.100.7")  # an anonymous 403
    failed = AuditEvent.objects.get(action="login.failed")
    denied = AuditEvent.objects.get(action="access.denied")
    assert failed.subdistrict == subdistrict and denied.subdistrict == subdistrict
    assert {failed, denied} <= set(selectors.audit_events_for(auditor))


def test_anonymous_403s_are_capped_per_address_and_minute(world, office):
    flood, other = Client(), Client()
    with time_machine.travel(START, tick=False) as clock:
        for _request in range(10):
            assert flood.get("/django-admin/", REMOTE_ADDR="198.51.100.7").status_code == 403
        assert other.get("/django-admin/", REMOTE_ADDR="198.51.100.8").status_code == 403
        rows = AuditEvent.objects.filter(action__startswith="access.denied").order_by("id")
        by_address = [(row.ip, row.action) for row in rows]
        assert by_address == [
            *[("198.51.100.7", "access.denied")] * 3,
            ("198.51.100.7", "access.denied:capped"),  # once, saying the rest were not written
            ("198.51.100.8", "access.denied"),
        ]
        assert rows[3].data == {"path": "/django-admin/", "method": "GET", "limit": 3}
        clock.shift(dt.timedelta(seconds=61))
        assert flood.get("/django-admin/", REMOTE_ADDR="198.51.100.7").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", ip="198.51.100.7").count() == 4
    assert chain.verify(AuditEvent).ok


def test_a_flood_of_failed_logins_from_one_address_is_capped_too(world, office):
    """Axes locks the address after 20 failures, but every refused attempt after that still
    wrote two rows (failed, locked out): without the cap a script fills the table."""
    flood, other = Client(), Client()
    with time_machine.travel(START, tick=False) as clock:
        for n in range(40):
            _fail(flood, f"nobody{n}", "198.51.100.50")
        _fail(other, "a_dispatcher", "198.51.100.51")
        rows = list(AuditEvent.objects.filter(ip="198.51.100.50").order_by("id"))
        assert len(rows) == 4 and all(row.action.startswith("login.") for row in rows)
        assert rows[-1].action.endswith(":capped") and rows[-1].data["limit"] == 3
        assert AuditEvent.objects.get(ip="198.51.100.51").data["username"] == "a_dispatcher"
        clock.shift(dt.timedelta(seconds=61))
        _fail(flood, "nobody_later", "198.51.100.50")
    assert AuditEvent.objects.filter(ip="198.51.100.50", data__username="nobody_later").exists()
    assert chain.verify(AuditEvent).ok


def test_403s_to_signed_in_staff_are_all_recorded(world, client, office):
    client.force_login(world.a.users["gridworker"])
    with time_machine.travel(START, tick=False):
        for _request in range(6):
            assert client.get("/accounts/audit/", REMOTE_ADDR="10.20.1.1").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor=world.a.users["gridworker"]).count() == 6
    assert not AuditEvent.objects.filter(action="access.denied:capped").exists()
