"""The ledger and dispute pages through the Django client."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.mediation.models import Dispute, Status
from gongzhi.mediation.tests.helpers import agreed, new_dispute

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_ledger_makes_the_same_number_of_queries_for_2_and_20_rows(world, client):
    client.force_login(world.a.users["neighbourhood"])
    url = reverse("mediation:index")
    for _ in range(2):
        new_dispute(world)
    few = _queries(client, url)
    for _ in range(18):
        new_dispute(world)
    assert _queries(client, url) == few


def test_register_from_the_page_and_accept(world, client):
    user = world.a.users["neighbourhood"]
    client.force_login(user)
    response = client.post(
        reverse("mediation:new"),
        {
            "area": world.a.estate.pk,
            "kind": "pets",
            "title": "犬只夜间吠叫",
            "matter": "楼下犬只每晚吠叫。",
            "applicant_name": "沈丽华",
            "applicant_phone": "13512345678",
            "respondent_name": "钱伟",
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response.url == reverse("mediation:detail", args=[dispute.pk])
    page = client.get(response.url).content.decode()
    assert "沈丽华" in page and "135****5678" in page and "受理" in page
    client.post(reverse("mediation:act", args=[dispute.pk, "accept"]), {"version": dispute.version})
    dispute.refresh_from_db()
    assert dispute.status == Status.ACCEPTED


def test_bad_input_shows_a_chinese_message_and_writes_nothing(world, client):
    client.force_login(world.a.users["neighbourhood"])
    response = client.post(
        reverse("mediation:new"),
        {
            "area": world.a.estate.pk,
            "kind": "pets",
            "title": "",
            "matter": "x",
            "applicant_name": "a",
            "respondent_name": "b",
        },
    )
    assert response.status_code == 400 and "请填写纠纷简述" in response.content.decode()
    assert not Dispute.objects.exists()


def test_grid_worker_sees_masked_names_and_no_actions(world, client):
    dispute = new_dispute(world)
    client.force_login(world.a.users["gridworker"])
    page = client.get(reverse("mediation:detail", args=[dispute.pk])).content.decode()
    assert "张*华" in page and "张建华" not in page and 'id="actions"' not in page
    response = client.post(reverse("mediation:act", args=[dispute.pk, "accept"]))
    dispute.refresh_from_db()
    assert dispute.status == Status.APPLIED and response.status_code == 302


def test_other_subdistrict_gets_404(world, client):
    dispute = new_dispute(world)
    client.force_login(world.b.users["leader"])
    assert client.get(reverse("mediation:detail", args=[dispute.pk])).status_code == 404


def test_agreement_document(world, client):
    dispute = agreed(world)
    client.force_login(world.a.users["neighbourhood"])
    response = client.get(reverse("mediation:agreement", args=[dispute.pk]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    client.force_login(world.a.users["auditor"])
    assert client.get(reverse("mediation:agreement", args=[dispute.pk])).status_code == 403


def test_turn_a_case_into_a_mediation_from_the_page(world, client):
    from gongzhi.cases import services as case_services

    case = case_services.create_case(
        actor=world.a.users["dispatcher"],
        category=world.category,
        title="楼上噪声扰民",
        description="楼上每晚十一点后拖动家具。",
        source="hotline",
        area=world.a.estate,
        reporter_name="陈志强",
        reporter_phone="13700001111",
    )
    client.force_login(world.a.users["dispatcher"])
    url = reverse("mediation:new") + f"?case={case.number}"
    assert case.title in client.get(url).content.decode()
    response = client.post(url, {"kind": "noise", "respondent_name": "楼上住户"})
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and dispute.case == case and dispute.source == "case"
    client.force_login(world.b.users["dispatcher"])
    assert client.get(url).status_code == 404
