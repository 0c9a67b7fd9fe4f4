"""Sessions (A3) and passwords (A1) of staff: 30 idle minutes, 12 hours at most after the
password; the last five passwords not again; a password older than 90 days changed first."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from gongzhi.accounts import policy
from gongzhi.accounts.models import AuditEvent, PasswordHistory
from gongzhi.accounts.validators import PasswordHistoryValidator
from gongzhi.testing import PASSWORD

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def login(client, username: str, password: str = PASSWORD):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_session_ends_twelve_hours_after_login_however_busy(world, client):
    with time_machine.travel(START, tick=False) as clock:
        login(client, "a_dispatcher")
        for _step in range(28):  # every 25 minutes, never idle: 11 h 40 min
            clock.shift(dt.timedelta(minutes=25))
            assert client.get("/accounts/notices/").status_code == 200
        clock.shift(dt.timedelta(minutes=21))  # 12 h 01 min after the password
        response = client.get("/accounts/notices/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert "next=%2Faccounts%2Fnotices%2F" in response["Location"]
        page = client.get(response["Location"]).content.decode()
        assert "登录已满 12 小时" in page
        # The session is gone, not merely refused once.
        assert client.get("/accounts/notices/")["Location"].startswith("/accounts/login/")
        login(client, "a_dispatcher")
        assert client.get("/accounts/notices/").status_code == 200


def test_session_ends_after_thirty_idle_minutes(world, client):
    with time_machine.travel(START, tick=False) as clock:
        login(client, "a_dispatcher")
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/accounts/notices/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        assert client.get("/accounts/notices/")["Location"].startswith("/accounts/login/")


def test_api_call_on_a_session_past_the_limit_is_a_401_in_the_api_shape(world, client, settings):
    settings.GONGZHI_SESSION_ABSOLUTE_SECONDS = 3600
    with time_machine.travel(START, tick=False) as clock:
        login(client, "a_dispatcher")
        assert client.get("/api/accounts/notices").status_code == 200
        clock.shift(dt.timedelta(minutes=25))
        assert client.get("/api/accounts/notices").status_code == 200
        clock.shift(dt.timedelta(minutes=25))
        assert client.get("/api/accounts/notices").status_code == 200
        clock.shift(dt.timedelta(minutes=11))
        response = client.get("/api/accounts/notices")
        assert response.status_code == 401
        assert response.json()["code"] == "session_expired" and "请重新登录" in response.json()["message"]


def test_the_absolute_limit_is_twelve_hours_by_default(settings):
    del settings.GONGZHI_SESSION_ABSOLUTE_SECONDS
    assert policy.absolute_seconds() == 12 * 3600


def _set(user, password: str) -> None:
    user.set_password(password)
    user.save()


def test_none_of_the_last_five_passwords_again(world):
    user = world.a.users["gridworker"]
    passwords = [f"Grid-history-{n}-Xq" for n in range(6)]
    for password in passwords:
        _set(user, password)
    validator = PasswordHistoryValidator(count=5)
    for reused in passwords[1:]:  # the current one and the four before it
        with pytest.raises(ValidationError, match="最近 5 次") as refused:
            validator.validate(reused, user)
        assert refused.value.error_list[0].code == "password_reused"
    validator.validate(passwords[0], user)  # the sixth back is allowed again
    validator.validate("Another-fresh-9-Zz", user)
    # Only hashes are kept, and not without end.
    assert all(not h.password.startswith("Grid") for h in PasswordHistory.objects.filter(user=user))


def test_history_rule_through_the_configured_validators(world, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {"NAME": "gongzhi.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
    ]
    user = world.a.users["gridworker"]
    with pytest.raises(ValidationError):
        validate_password(PASSWORD, user)  # the current password
    validate_password("Completely-new-77-Qq", user)


def test_the_change_page_refuses_a_reused_password_in_chinese_and_changes_nothing(world, client):
    login(client, "a_gridworker")
    user = world.a.users["gridworker"]
    before = user.password
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 400
    assert "不能与最近 5 次使用过的密码相同" in response.content.decode()
    user.refresh_from_db()
    assert user.password == before
    assert not AuditEvent.objects.filter(action="password.change").exists()


def test_a_password_older_than_ninety_days_is_changed_before_any_other_page(world, client, settings):
    settings.GONGZHI_PASSWORD_MAX_AGE_DAYS = 90
    user = world.a.users["dispatcher"]
    with time_machine.travel(user.password_changed_at + dt.timedelta(days=89), tick=False):
        login(client, "a_dispatcher")
        assert client.get("/cases/").status_code == 200
    with time_machine.travel(user.password_changed_at + dt.timedelta(days=91), tick=False):
        login(client, "a_dispatcher")
        response = client.get("/cases/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/?next=%2Fcases%2F"
        assert client.get("/api/accounts/notices").json()["code"] == "password_expired"
        page = client.get(response["Location"])
        assert page.status_code == 200 and "密码已使用超过 90 天" in page.content.decode()
        changed = client.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "Fresh-dispatch-2027-Q",
                "new_password2": "Fresh-dispatch-2027-Q",
                "next": "/cases/",
            },
        )
        assert changed.status_code == 302 and changed["Location"] == "/cases/"
        assert client.get("/cases/").status_code == 200  # still signed in, password fresh
        event = AuditEvent.objects.get(action="password.change")
        assert event.actor == user
    user.refresh_from_db()
    assert user.check_password("Fresh-dispatch-2027-Q")


def test_password_age_is_ninety_days_outside_demo_mode_and_configurable(settings):
    del settings.GONGZHI_PASSWORD_MAX_AGE_DAYS
    settings.GONGZHI_DEMO_MODE = False
    assert policy.password_max_age_days() == 90
    settings.GONGZHI_DEMO_MODE = True
    assert policy.password_max_age_days() == 0  # the demo's printed passwords keep working
    settings.GONGZHI_PASSWORD_MAX_AGE_DAYS = 30
    assert policy.password_max_age_days() == 30
