"""Care pages through the Django client: the round, the check-in form, alerts, figures, and a
fixed number of queries on the round for 2 and 20 people."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.care import services
from gongzhi.care.models import Alert, CheckIn, Recipient
from gongzhi.care.tests.conftest import MONDAY, at
from gongzhi.registry import services as registry
from gongzhi.registry.tests.conftest import person_id


def test_round_check_in_and_alert_pages(care, client):
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    worker = care.world.a.users["gridworker"]
    client.force_login(worker)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        page = client.get(reverse("care:index"))
        assert (
            page.status_code == 200
            and "王秀英" in page.content.decode()
            and "李建国" not in page.content.decode()
        )
        elder = Recipient.objects.get(resident=care.elders[0])
        assert client.get(reverse("care:recipient", args=[elder.pk])).status_code == 200
        bad = client.post(reverse("care:recipient", args=[elder.pk]), {"mode": "visit", "outcome": ""})
        assert (
            bad.status_code == 400
            and "请选择联系情况" in bad.content.decode()
            and not CheckIn.objects.exists()
        )
        done = client.post(
            reverse("care:recipient", args=[elder.pk]), {"mode": "visit", "outcome": "well", "note": "好"}
        )
        assert done.status_code == 302
    with time_machine.travel(at(dt.date(2026, 9, 29), 18), tick=False):
        services.escalate()
        alert = Alert.objects.filter(subdistrict=care.world.a.subdistrict).first()
        client.force_login(worker)
        assert client.get(reverse("care:alerts")).status_code == 200
        response = client.post(
            reverse("care:alert", args=[alert.pk]), {"action": "close", "resolution": "已电话联系女儿"}
        )
        assert response.status_code == 302
        alert.refresh_from_db()
        assert alert.state == "closed"
        assert client.get(reverse("care:figures")).status_code == 200
        client.force_login(care.world.b.users["gridworker"])
        assert client.get(reverse("care:recipient", args=[elder.pk])).status_code == 404
        client.force_login(care.world.a.users["dispatcher"])
        assert client.get(reverse("care:index")).status_code == 403


def _round_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("care:index")).status_code == 200
    return len(queries)


def test_round_makes_the_same_number_of_queries_for_2_and_20_people(care, client):
    leader = care.world.a.users["leader"]
    with time_machine.travel(at(MONDAY, 9), tick=False):
        services.sync_population(today=MONDAY.date())
        services.generate_dues()
        _round_queries(client, leader)  # warm the per-process caches (calendar, menu)
        few = _round_queries(client, leader)
        for n in range(18):
            dwelling = registry.create_dwelling(actor=None, area=care.building_a, data={"room": f"9{n:02d}"})
            resident = registry.register_resident(
                actor=None,
                dwelling=dwelling,
                data={
                    "name": f"老人{n}",
                    "id_number": person_id(100 + n, dt.date(1935, 1, 1)),
                    "birth_date": dt.date(1935, 1, 1),
                },
            )
            registry.tag_resident(
                actor=None, resident=resident, tag=care.alone_a, valid_from=dt.date(2020, 1, 1)
            )
        services.sync_population(today=MONDAY.date())
        services.generate_dues()
        assert Recipient.objects.filter(subdistrict=care.world.a.subdistrict).count() == 20
        assert _round_queries(client, leader) == few
