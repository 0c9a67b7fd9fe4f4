"""The yearly 在职党员双报到 summary sent to each unit's party organisation as a notice to the
accounts of its unit: the year's figures per organisation, once per organisation and year, the
organisations without an account listed, scoped, only by those who manage volunteers."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import AuditEvent, Notice, Role, Unit
from gongzhi.core.errors import NotAllowed
from gongzhi.open311 import services as tokens
from gongzhi.registry import services as registry
from gongzhi.registry.validators import FieldError
from gongzhi.testing.world import make_user
from gongzhi.volunteers import party, services
from gongzhi.volunteers.models import RecordSource


@pytest.fixture
def units(vol):
    area = vol.world.a.neighbourhood
    ruijin = registry.create_organization(
        actor=None, area=area, data={"name": "瑞金医院党委", "kind": "党组织"}
    )
    market = registry.create_organization(
        actor=None, area=area, data={"name": "乌中市集党支部", "kind": "党组织"}
    )
    ruijin.unit = Unit.objects.create(name="瑞金医院", kind="enterprise", area=vol.world.a.subdistrict)
    ruijin.save(update_fields=["unit"])
    secretary = make_user(
        "ruijin_party", roles=[Role.HANDLER], scope=vol.world.a.subdistrict, unit=ruijin.unit
    )
    doctor = services.register_volunteer(
        actor=vol.manager, area=area, name="刘医生", phone="13800000011", party_member=True, party_unit=ruijin
    )
    services.register_volunteer(
        actor=vol.manager, area=area, name="陈护士", phone="13800000012", party_member=True, party_unit=ruijin
    )
    services.register_volunteer(
        actor=vol.manager, area=area, name="周老板", phone="13800000013", party_member=True, party_unit=market
    )
    for ref, day, hours in (("p:1", dt.date(2026, 3, 1), "2"), ("p:2", dt.date(2026, 6, 1), "1.5")):
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
        services.record_service(
            volunteer=doctor,
            source=RecordSource.OTHER,
            source_ref=ref,
            activity="社区义诊",
            place="A一居活动室",
            started_at=start,
            ended_at=start + dt.timedelta(hours=float(hours)),
            hours=Decimal(hours),
            actor=None,
        )
    with time_machine.travel(timezone.make_aware(dt.datetime(2027, 1, 10, 9)), tick=False):
        yield {"ruijin": ruijin, "market": market, "secretary": secretary}


def test_each_party_organisation_with_an_account_is_told_its_figures(vol, units):
    result = party.send_party_summaries(actor=vol.manager, year=2026)
    assert (result.sent, result.already, result.without_account) == (["瑞金医院党委"], [], ["乌中市集党支部"])
    notice = Notice.objects.get(user=units["secretary"])
    assert notice.kind == "volunteers.party_summary"
    assert (
        notice.title
        == "2026年在职党员双报到服务汇总：瑞金医院党委报到党员2人，参加服务1人，服务2次，共3.50小时"
    )
    event = AuditEvent.objects.get(action="volunteer.party_summary_send")
    assert event.data["sent"] == ["瑞金医院党委"] and event.data["year"] == 2026


def test_sending_again_tells_nobody_twice(vol, units):
    party.send_party_summaries(actor=vol.manager, year=2026)
    again = party.send_party_summaries(actor=vol.leader, year=2026)
    assert (again.sent, again.already) == ([], ["瑞金医院党委"])
    assert Notice.objects.filter(kind="volunteers.party_summary").count() == 1
    assert party.send_party_summaries(actor=vol.manager, year=2025).sent == [
        "瑞金医院党委"
    ]  # 0 served, still told
    assert Notice.objects.filter(kind="volunteers.party_summary").count() == 2


@pytest.mark.parametrize("year", [1999, 2027, 2028])  # 2027 is not over yet
def test_a_year_out_of_range_is_refused_and_sends_nothing(vol, units, year):
    with pytest.raises(FieldError) as refused:
        party.send_party_summaries(actor=vol.manager, year=year)
    assert refused.value.message == "只能发送已结束年度的汇总（2000年至去年）。"
    assert (
        not Notice.objects.exists()
        and not AuditEvent.objects.filter(action="volunteer.party_summary_send").exists()
    )


@pytest.mark.parametrize("role", ["gridworker", "auditor", "dispatcher"])
def test_only_those_who_manage_volunteers_send(vol, units, role):
    with pytest.raises(NotAllowed):
        party.send_party_summaries(actor=vol.world.a.users[role], year=2026)
    assert not Notice.objects.exists()


def test_another_subdistrict_sends_only_its_own_members(vol, units):
    result = party.send_party_summaries(actor=vol.world.b.users["leader"], year=2026)
    assert (result.sent, result.without_account) == ([], [])
    assert not Notice.objects.exists()


def test_the_page_sends_and_says_who_has_no_account(vol, units, client):
    client.force_login(vol.manager)
    assert "发送在职党员年度服务汇总" in client.get(reverse("volunteers:index")).content.decode()
    response = client.post(reverse("volunteers:party_summary"), {"year": "2026"}, follow=True)
    body = response.content.decode()
    assert "新发送1个单位党组织" in body and "乌中市集党支部" in body
    bad = client.post(reverse("volunteers:party_summary"), {"year": "去年"}, follow=True)
    assert "请填写年度。" in bad.content.decode()
    assert Notice.objects.count() == 1
    client.force_login(vol.gridworker)
    assert "发送在职党员年度服务汇总" not in client.get(reverse("volunteers:index")).content.decode()
    assert client.post(reverse("volunteers:party_summary"), {"year": "2026"}).status_code == 403


def test_the_api_sends_with_its_statuses(vol, units, client):
    def post(user, data):
        _token, secret = tokens.issue_token(user=user, name="test")
        return client.post(
            "/api/volunteers/party-summaries",
            json.dumps(data),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    sent = post(vol.manager, {"year": 2026})
    assert sent.status_code == 200
    assert sent.json() == {
        "year": 2026,
        "sent": ["瑞金医院党委"],
        "already": [],
        "without_account": ["乌中市集党支部"],
    }
    assert post(vol.manager, {"year": 2026}).json()["already"] == ["瑞金医院党委"]
    assert post(vol.manager, {"year": 1999}).status_code == 400
    assert post(vol.manager, {"year": "x"}).status_code == 422
    assert post(vol.gridworker, {"year": 2026}).status_code == 403
