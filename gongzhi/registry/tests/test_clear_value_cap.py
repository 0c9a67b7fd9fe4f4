"""One daily cap on clear values (GONGZHI_REVEAL_DAILY_LIMIT) covers reveals and every row of a
clear export; masked exports are never counted (issue 12, A24)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from gongzhi.accounts.models import AccessLog
from gongzhi.accounts.tokens import issue_token
from gongzhi.core.errors import DomainError
from gongzhi.registry import exporting, services
from gongzhi.registry.models import Resident
from gongzhi.registry.tests.conftest import person_id

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def noon():
    with time_machine.travel(NOON, tick=False):
        yield


def add_residents(reg, n: int) -> None:
    for i in range(n):
        services.register_resident(
            actor=None,
            dwelling=reg.dwelling_a,
            data={"name": f"居民{i}", "id_number": person_id(100 + i), "phone": f"1390000{i:04d}"},
        )


def reveal_times(user, obj, n: int) -> None:
    for _ in range(n):
        services.reveal(actor=user, obj=obj, field="phone", reason="走访核实")


def clear_export(user, only=None) -> bytes:
    return exporting.export_bytes("residents", "csv", user=user, clear=True, reason="低保年审", only=only)


def test_reveals_then_a_clear_export_share_one_cap(reg, settings, noon):
    settings.GONGZHI_REVEAL_DAILY_LIMIT = 50
    add_residents(reg, 1)  # two residents in subdistrict A
    leader = reg.world.a.users["leader"]
    reveal_times(leader, reg.resident_a, 49)
    with pytest.raises(services.TooMany, match="还可查看或明文导出 1 条") as refused:
        clear_export(leader)
    assert refused.value.status == 429
    assert not AccessLog.objects.filter(action__startswith="export:").exists()
    one = clear_export(leader, only=Resident.objects.filter(pk=reg.resident_a.pk)).decode("utf-8-sig")
    assert person_id(1) in one
    assert services.clear_values_today(leader) == 50
    with pytest.raises(services.TooMany, match="上限"):  # the cap is spent: no more reveals either
        services.reveal(actor=leader, obj=reg.resident_a, field="phone", reason="再看一次")


def test_a_clear_export_larger_than_the_cap_is_refused_and_not_logged(reg, settings, noon):
    settings.GONGZHI_REVEAL_DAILY_LIMIT = 50
    add_residents(reg, 59)  # 60 residents in subdistrict A
    leader = reg.world.a.users["leader"]
    with pytest.raises(services.TooMany, match="明文导出 60 条.*还可查看或明文导出 50 条"):
        clear_export(leader)
    assert not AccessLog.objects.exists()
    assert services.clear_values_today(leader) == 0


def test_clear_export_rows_count_and_masked_exports_do_not(reg, settings, noon):
    settings.GONGZHI_REVEAL_DAILY_LIMIT = 3
    add_residents(reg, 1)
    leader = reg.world.a.users["leader"]
    clear_export(leader)  # 2 rows
    assert services.clear_values_today(leader) == 2
    for _ in range(3):  # masked exports at or past the cap: never counted, never refused
        body = exporting.export_bytes("residents", "csv", user=leader).decode("utf-8-sig")
        assert person_id(1) not in body and "王秀英" in body
    assert services.clear_values_today(leader) == 2
    services.reveal(actor=leader, obj=reg.resident_a, field="phone", reason="走访核实")
    assert services.clear_values_today(leader) == 3
    with pytest.raises(services.TooMany):
        clear_export(leader, only=Resident.objects.filter(pk=reg.resident_a.pk))
    assert exporting.export_bytes("residents", "csv", user=leader)  # masked still works at the cap


def test_yesterdays_clear_values_do_not_count(reg, settings, noon):
    settings.GONGZHI_REVEAL_DAILY_LIMIT = 2
    leader = reg.world.a.users["leader"]
    with time_machine.travel(NOON - dt.timedelta(days=1), tick=False):
        reveal_times(leader, reg.resident_a, 2)
    assert services.clear_values_today(leader) == 0
    clear_export(leader)
    assert services.clear_values_today(leader) == 1


def test_export_page_answers_the_cap_message(client, reg, settings, noon):
    settings.GONGZHI_REVEAL_DAILY_LIMIT = 1
    leader = reg.world.a.users["leader"]
    reveal_times(leader, reg.resident_a, 1)
    client.force_login(leader)
    response = client.post(
        reverse("registry:export"), {"kind": "residents", "fmt": "csv", "clear": "1", "reason": "低保年审"}
    )
    text = response.content.decode()
    assert response.status_code == 429 and "还可查看或明文导出 0 条" in text
    assert person_id(1) not in text
    assert not AccessLog.objects.filter(action__startswith="export:").exists()
    masked = client.post(reverse("registry:export"), {"kind": "residents", "fmt": "csv"})
    assert masked.status_code == 200 and "王秀英" in masked.content.decode("utf-8-sig")
    services.tag_resident(actor=None, resident=reg.resident_a, tag=reg.alone_a)
    tag_list = client.get(reverse("registry:tags"), {"tag": reg.alone_a.pk, "export": "csv"})
    assert tag_list.status_code == 200 and "王秀英" in tag_list.content.decode("utf-8-sig")


def test_api_reveal_after_a_clear_export_answers_the_cap(client, reg, settings, noon):
    settings.GONGZHI_REVEAL_DAILY_LIMIT = 1
    leader = reg.world.a.users["leader"]
    clear_export(leader)  # the one resident of subdistrict A: the cap is spent
    _token, secret = issue_token(user=leader, name="test")
    response = client.post(
        f"/api/registry/residents/{reg.resident_a.pk}/reveal",
        {"field": "phone", "reason": "走访核实"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "too_many" and "上限" in response.json()["message"]
    assert AccessLog.objects.filter(action__startswith="reveal:").count() == 0


def _export_one(reg, leader):
    return lambda: clear_export(leader, only=Resident.objects.filter(pk=reg.resident_a.pk))


def _reveal_one(reg, leader):
    return lambda: services.reveal(actor=leader, obj=reg.resident_a, field="phone", reason="核实")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", [_export_one, _reveal_one], ids=["export+export", "export+reveal"])
def test_two_requests_at_the_cap_at_once_exactly_one_wins(reg, settings, noon, second):
    settings.GONGZHI_REVEAL_DAILY_LIMIT = 2
    leader = reg.world.a.users["leader"]
    reveal_times(leader, reg.resident_a, 1)  # one clear value left
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            outcomes[i] = "ok"
        except DomainError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    calls = [_export_one(reg, leader), second(reg, leader)]
    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok", "too_many"]
    assert services.clear_values_today(leader) == 2
