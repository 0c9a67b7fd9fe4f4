"""Two factors for staff (等保 8.1.4.1 d, control A4): TOTP + backup codes, enrolment, step-up."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts import otp
from gongzhi.accounts.middleware import EXEMPT_PREFIXES
from gongzhi.accounts.models import AuditEvent


@pytest.fixture
def production(settings):
    """Outside demo mode: the demo skip, even if set, has no effect."""
    settings.GONGZHI_DEMO_MODE = False
    settings.GONGZHI_OTP_DEMO_SKIP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return settings


def code_for(device: TOTPDevice, shift: int = 0) -> str:
    value = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + shift
    )
    return f"{value:0{device.digits}d}"


def enrolled(user) -> TOTPDevice:
    device = otp.pending_device(user)
    otp.confirm_enrolment(user=user, token=code_for(device))
    device.refresh_from_db()
    return device


def _sample(route: str) -> str:
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<(?:\w+:)?\w+>", "x", route)
    route = re.sub(r"\(\?P<fmt>[^)]*\)", "json", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)
    return route.replace("^", "").replace("$", "").replace("\\", "")


def every_url(patterns=None, prefix: str = "") -> list[str]:
    out: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + _sample(str(entry.pattern))
        if isinstance(entry, URLResolver):
            out += every_url(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            out.append("/" + route)
    return sorted(set(out))


def test_demo_skip_is_ignored_outside_demo_mode(production):
    assert otp.enforced()
    production.GONGZHI_DEMO_MODE = True
    assert not otp.enforced()
    production.GONGZHI_OTP_DEMO_SKIP = False
    assert otp.enforced()


def test_password_only_session_is_refused_on_every_staff_url(client, world, production):
    """The resolver walk: every URL but sign-in, the second-factor pages, static files and the
    health probe refuses a session that has only the password, for a user with and without a
    device: pages redirect to enrolment or the code, the APIs answer 401."""
    urls = [u for u in every_url() if not u.startswith(EXEMPT_PREFIXES)]
    assert len(urls) > 100 and "/registry/export/" in urls and "/open311/tokens/" in urls
    enrolled(world.a.users["leader"])
    for username, target in (("dispatcher", "/accounts/otp/setup/"), ("leader", "/accounts/otp/verify/")):
        client.force_login(world.a.users[username])
        for url in urls:
            for method in (client.get, client.post):
                response = method(url)
                if url.startswith(("/api/", "/open311/v2/")):
                    assert response.status_code == 401, (url, response.status_code)
                    assert response.json()["code"] == "otp_required"
                else:
                    assert response.status_code == 302, (url, response.status_code)
                    assert response["Location"].startswith(target), (url, response["Location"])


def test_enrolment_on_first_login_with_a_qr_code_then_backup_codes(client, world, production):
    user = world.a.users["dispatcher"]
    client.force_login(user)
    first = client.get("/cases/")
    assert first.status_code == 302 and first["Location"].startswith("/accounts/otp/setup/")
    page = client.get(first["Location"])
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post("/accounts/otp/setup/", {"token": "000000x", "next": "/cases/"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and client.get("/cases/").status_code == 302
    done = client.post("/accounts/otp/setup/", {"token": code_for(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == otp.BACKUP_CODES
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="otp.enrol", actor=user).count() == 1


def test_replayed_totp_is_refused_and_backup_codes_are_single_use(client, world, production):
    user = world.a.users["leader"]
    device = otp.pending_device(user)
    _device, codes = otp.confirm_enrolment(user=user, token=code_for(device))
    client.force_login(user)
    # The code used for enrolment cannot be used again (django-otp keeps last_t).
    replay = client.post("/accounts/otp/verify/", {"token": code_for(device), "next": "/cases/"})
    assert replay.status_code == 400
    assert client.post("/accounts/otp/verify/", {"token": codes[0], "next": "/cases/"}).status_code == 302
    assert client.get("/cases/").status_code == 200
    client.logout()
    client.force_login(user)
    assert client.post("/accounts/otp/verify/", {"token": codes[0]}).status_code == 400
    assert AuditEvent.objects.filter(action="otp.failed", actor=user).count() == 2
    assert AuditEvent.objects.filter(action="otp.verified", actor=user).count() == 1


def test_next_cannot_leave_the_site(client, world, production):
    user = world.a.users["leader"]
    device = enrolled(user)
    client.force_login(user)
    with time_machine.travel(device.last_t * device.step + 60):
        response = client.post(
            "/accounts/otp/verify/", {"token": code_for(device), "next": "https://evil.example/"}
        )
    assert response.status_code == 302 and response["Location"] == "/"


def test_step_up_needs_a_code_within_the_window(world, production):
    user = world.a.users["neighbourhood"]
    with pytest.raises(otp.StepUpRequired):
        otp.require_step_up(user)
    with time_machine.travel("2026-03-02 09:00:00 +0800", tick=False):
        import time

        user.otp_verified_at = time.time()
        otp.require_step_up(user)
    with (
        time_machine.travel("2026-03-02 09:06:00 +0800", tick=False),
        pytest.raises(otp.StepUpRequired) as err,
    ):
        otp.require_step_up(user)
    assert "5 分钟内" in err.value.message and err.value.status == 403


def test_api_token_issuance_needs_a_verified_session(client, world, production):
    user = world.a.users["dispatcher"]
    client.force_login(user)
    refused = client.post("/open311/tokens/", {"name": "脚本"})
    assert refused.status_code == 302 and user.api_tokens.count() == 0


def test_deploy_check_fails_without_the_otp_middleware(production):
    from gongzhi.accounts.checks import second_factor_middleware

    assert second_factor_middleware() == []
    production.MIDDLEWARE = [m for m in production.MIDDLEWARE if m != "django_otp.middleware.OTPMiddleware"]
    assert [e.id for e in second_factor_middleware()] == ["gongzhi.E010"]
