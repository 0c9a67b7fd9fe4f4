"""Hardening found by the security probe (issue 12): audit rows cannot be forged through the
Django admin; passwords that contain the user's name are refused."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from gongzhi.accounts.models import AccessLog, User


def test_superuser_cannot_add_change_or_delete_access_log_rows(world, client):
    root = User.objects.create_superuser("root", password="Root-password-2026!")
    row = AccessLog.objects.create(user=world.a.users["leader"], action="reveal:id_number", object_type="x")
    client.force_login(root)
    assert client.get("/django-admin/accounts/accesslog/add/").status_code == 403
    response = client.post(
        "/django-admin/accounts/accesslog/add/",
        {"user": world.a.users["dispatcher"].pk, "action": "reveal:id_number", "object_type": "x"},
    )
    assert response.status_code == 403
    assert AccessLog.objects.count() == 1
    assert (
        client.post(f"/django-admin/accounts/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert AccessLog.objects.count() == 1
    assert client.get("/django-admin/accounts/accesslog/").status_code == 200  # reading stays


@pytest.mark.parametrize("password", ["leader2026Leader", "Xx-LEADER-2026", "2026!Leader#abc"])
def test_password_containing_the_username_is_refused(db, password):
    user = User(username="leader", display_name="王建国")
    with pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert "密码不能包含用户名" in " ".join(error.value.messages)


def test_password_containing_the_phone_or_name_is_refused(db):
    user = User(username="wangge", display_name="王建国", phone="13812345678")
    for password in ["Pw-13812345678-x", "王建国-Password-2026"]:
        with pytest.raises(ValidationError):
            validate_password(password, user)
    validate_password("Unrelated-Secret-2026", user)
