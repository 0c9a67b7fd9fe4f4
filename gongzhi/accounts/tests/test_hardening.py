"""Hardening found by the security probe (issue 12): audit rows cannot be forged through the
Django admin; passwords that contain the user's name are refused."""

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
