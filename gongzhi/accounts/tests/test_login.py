import pytest
from django.contrib.auth.hashers import make_password

from gongzhi.testing import PASSWORD


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert make_password("Some-long-password-1").startswith("argon2$argon2id$")


def test_login_then_queue(world, client):
    response = client.post("/accounts/login/", {"username": "a_dispatcher", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200


def test_wrong_password_gives_chinese_error(world, client):
    response = client.post("/accounts/login/", {"username": "a_dispatcher", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_account_locked_after_five_failures_even_with_right_password(world, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "a_dispatcher", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "a_dispatcher", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert client.get("/cases/").status_code == 302  # still not logged in


def test_lock_of_one_user_does_not_lock_another(world, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "a_dispatcher", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "a_leader", "password": PASSWORD})
    assert response.status_code == 302


def test_sessions_expire_when_idle(settings):
    assert settings.SESSION_COOKIE_AGE <= 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST


@pytest.mark.parametrize("url", ["/cases/", "/cases/new/", "/cases/dashboard/", "/accounts/notices/"])
def test_staff_pages_need_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_healthz_reports_database(client, db):
    data = client.get("/healthz").json()
    assert data["status"] == "ok" and data["database"]["ok"] is True


def test_password_rules():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    validate_password("Gongzhi-demo-2026")
    for weak in ("short-A1", "alllowercaseletters", "alllowercase12345"):
        with pytest.raises(ValidationError):
            validate_password(weak)
