"""Residual information (等保 8.1.4.10, control A23): signing out ends the session on the server,
so a copy of the session cookie taken before (a shared computer, a stolen cookie) opens neither a
page nor the API afterwards."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client

from gongzhi.accounts import otp
from gongzhi.accounts.tests.test_otp import code_for
from gongzhi.testing import PASSWORD

pytestmark = pytest.mark.django_db

PAGE, API = "/cases/", "/api/accounts/notices"


@pytest.fixture
def production(settings):
    """Outside demo mode, with the second factor enforced: the session the cookie names is a
    fully signed-in one (password and code), the kind worth stealing."""
    settings.GONGZHI_DEMO_MODE = False
    settings.GONGZHI_OTP_DEMO_SKIP = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return settings


def _signed_in(user) -> Client:
    """A browser that signs in with the password, then the code of an enrolled device."""
    device = otp.pending_device(user)
    otp.confirm_enrolment(user=user, token=code_for(device))
    device.refresh_from_db()
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    with time_machine.travel(device.last_t * device.step + 60):
        verified = client.post("/accounts/otp/verify/", {"token": code_for(device), "next": PAGE})
    assert verified.status_code == 302, verified.content.decode()[:300]
    return client


def _with_cookie(value: str) -> Client:
    copy = Client()
    copy.cookies[django_settings.SESSION_COOKIE_NAME] = value
    return copy


def test_a_copied_session_cookie_is_dead_after_logout(world, production):
    client = _signed_in(world.a.users["dispatcher"])
    stolen = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    copy = _with_cookie(stolen)
    # Before the sign-out the copy works like the original: page and API.
    assert copy.get(PAGE).status_code == 200
    assert copy.get(API).status_code == 200
    assert Session.objects.filter(session_key=stolen).exists()

    assert client.post("/accounts/logout/").status_code == 302

    assert not Session.objects.filter(session_key=stolen).exists()  # gone from the server
    page = copy.get(PAGE)
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    api = copy.get(API)
    assert api.status_code == 401 and api.json()["code"]
    # Nor does the copy come back to life by being sent again, or through the original browser.
    assert copy.get(PAGE).status_code == 302
    assert client.get(API).status_code == 401


def test_signing_out_is_a_post_so_a_link_cannot_end_or_keep_a_session(world, production):
    """A GET to the sign-out address (an <img> on another site) changes nothing."""
    client = _signed_in(world.a.users["dispatcher"])
    stolen = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert client.get("/accounts/logout/").status_code == 405
    assert Session.objects.filter(session_key=stolen).exists()
    assert _with_cookie(stolen).get(PAGE).status_code == 200
