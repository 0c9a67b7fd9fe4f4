"""The auditor's page of sensitive reads and administrative changes: scoped, filtered, exported
(and the export logged), refused to everyone else, with a fixed number of queries."""

import pytest
from django.urls import reverse

from gongzhi.accounts import audit
from gongzhi.accounts.models import AccessLog


@pytest.fixture
def logs(world):
    a_leader, b_leader = world.a.users["leader"], world.b.users["leader"]
    AccessLog.objects.create(
        user=a_leader, action="reveal:id_number", object_type="resident", object_id="1", reason="核对低保"
    )
    AccessLog.objects.create(
        user=b_leader, action="reveal", object_type="resident", object_id="2", reason="B侧"
    )
    audit.record(actor=a_leader, action="tag.create", target=world.a.department)
    audit.record(actor=b_leader, action="tag.create", target=world.b.department)
    return world


def test_auditor_sees_its_own_subdistrict_only(client, logs):
    client.force_login(logs.a.admins["auditadmin"])
    page = client.get(reverse("accounts:audit_log")).content.decode()
    assert "核对低保" in page and "B侧" not in page
    assert logs.a.department.name in page and logs.b.department.name not in page


@pytest.mark.parametrize(
    "role",
    [
        "admin",
        "sysadmin",
        "secadmin",
        "auditor",
        "leader",
        "dispatcher",
        "neighbourhood",
        "gridworker",
        "handler",
    ],
)
def test_nobody_else_reads_it(client, logs, role):
    user = logs.admin if role == "admin" else (logs.a.admins.get(role) or logs.a.users[role])
    client.force_login(user)
    assert client.get(reverse("accounts:audit_log")).status_code == 403


def test_filters_and_the_logged_export(client, logs):
    auditor = logs.a.admins["auditadmin"]
    client.force_login(auditor)
    none = client.get(reverse("accounts:audit_log"), {"action": "export"}).content.decode()
    assert "核对低保" not in none
    assert (
        "核对低保" not in client.get(reverse("accounts:audit_log"), {"since": "2999-01-01"}).content.decode()
    )
    response = client.get(reverse("accounts:audit_log"), {"format": "csv", "action": "reveal"})
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv") and "核对低保" in body and "B侧" not in body
    assert AccessLog.objects.filter(user=auditor, action="export:access_log").count() == 1
    assert "查看明文：证件号码" in client.get(reverse("accounts:audit_log")).content.decode()


def test_the_page_makes_a_fixed_number_of_queries(client, logs, django_assert_max_num_queries):
    client.force_login(logs.a.admins["auditadmin"])
    client.get(reverse("accounts:audit_log"))
    for n in range(30):
        AccessLog.objects.create(
            user=logs.a.users["leader"], action="reveal", object_type="resident", object_id=str(n)
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:audit_log")).status_code == 200
