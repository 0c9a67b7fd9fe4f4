"""Stars by cumulative hours (configurable), the export for the city platform in the fields of
民政部令67号 (CSV and xlsx, scoped), the 在职党员 yearly summary per unit, the redemption ratio."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.accounts.models import AccessLog
from gongzhi.registry import services as registry
from gongzhi.volunteers import export, selectors, services
from gongzhi.volunteers.models import Credential, RecordSource


def _serve(volunteer, hours: str, *, on: dt.date, ref: str, activity: str = "为独居老人送餐"):
    start = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    return services.record_service(
        volunteer=volunteer,
        source=RecordSource.OTHER,
        source_ref=ref,
        activity=activity,
        place="A一居活动室",
        started_at=start,
        ended_at=start + dt.timedelta(hours=float(hours)),
        hours=Decimal(hours),
        actor=None,
    )


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "hours, stars",
    [(0, 0), (99.99, 0), (100, 1), (299, 1), (300, 2), (600, 3), (1000, 4), (1500, 5), (9999, 5)],
)
def test_stars_by_cumulative_hours(hours, stars):
    assert selectors.stars(Decimal(str(hours))) == stars


def test_star_thresholds_are_configurable(settings):
    settings.GONGZHI_VOLUNTEER_STARS = (10, 20, 40)
    assert [selectors.stars(h) for h in (9, 10, 25, 40, 1500)] == [0, 1, 2, 3, 3]


def test_a_volunteers_stars_follow_the_sum_of_their_records(vol, client):
    _serve(vol.alice, "60", on=dt.date(2026, 3, 1), ref="t:1")
    _serve(vol.alice, "45.5", on=dt.date(2026, 3, 8), ref="t:2")
    assert selectors.hours_of(vol.alice) == Decimal("105.50")
    client.force_login(vol.leader)
    page = client.get(reverse("volunteers:detail", args=[vol.alice.pk])).content.decode()
    assert "1★" in page


def test_service_record_export_has_the_record_fields_and_is_scoped(vol, client):
    _serve(vol.alice, "2.5", on=dt.date(2026, 3, 1), ref="t:1")
    _serve(vol.bob, "1", on=dt.date(2026, 4, 1), ref="t:2", activity="陪老人就医")
    _serve(vol.other, "3", on=dt.date(2026, 3, 1), ref="t:3")  # subdistrict B
    client.force_login(vol.leader)
    rows = _csv(client.get(reverse("volunteers:export")))
    assert rows[0] == export.RECORD_FIELDS
    assert [r[1] for r in rows[1:]] == ["张阿姨", "李师傅"]
    alice = dict(zip(rows[0], rows[1], strict=True))
    assert alice["志愿者编号"] == f"V{vol.alice.pk:08d}"
    assert alice["手机号（脱敏）"].startswith("138") and "*" in alice["手机号（脱敏）"]
    assert (alice["服务内容"], alice["服务地点"], alice["服务时长（小时）"]) == (
        "为独居老人送餐",
        "A一居活动室",
        "2.50",
    )
    assert (alice["开始时间"], alice["结束时间"]) == ("2026-03-01 09:00", "2026-03-01 11:30")
    assert alice["实名状态"] and alice["报到居民区"] == vol.world.a.neighbourhood.name
    march = _csv(client.get(reverse("volunteers:export") + "?from=2026-03-01&to=2026-03-31"))
    assert [r[1] for r in march[1:]] == ["张阿姨"]
    bad = client.get(reverse("volunteers:export") + "?from=31/03/2026")
    assert bad.status_code == 400 and "日期格式" in bad.content.decode()
    book = load_workbook(io.BytesIO(client.get(reverse("volunteers:export") + "?format=xlsx").content))
    sheet = list(book.active.iter_rows(values_only=True))
    assert list(sheet[0]) == export.RECORD_FIELDS and len(sheet) == 3
    # three exports logged; the refused one (bad date) wrote nothing
    assert AccessLog.objects.filter(user=vol.leader, action="export:volunteer_records").count() == 3
    client.force_login(vol.world.b.users["leader"])
    assert [r[1] for r in _csv(client.get(reverse("volunteers:export")))[1:]] == ["王同学"]
    client.force_login(vol.gridworker)
    assert client.get(reverse("volunteers:export")).status_code == 403
    assert client.get(reverse("volunteers:export") + "?from=31/03/2026").status_code == 403  # refused first


def test_credentials_export(vol, client):
    Credential.objects.create(volunteer=vol.alice, kind="training", title="急救培训", on=dt.date(2026, 2, 1))
    Credential.objects.create(volunteer=vol.other, kind="award", title="优秀志愿者", on=dt.date(2026, 2, 1))
    client.force_login(vol.leader)
    rows = _csv(client.get(reverse("volunteers:export") + "?kind=credentials"))
    assert rows == [
        export.CREDENTIAL_FIELDS,
        [f"V{vol.alice.pk:08d}", "张阿姨", "培训", "急救培训", "2026-02-01", ""],
    ]
    assert client.get(reverse("volunteers:export") + "?kind=nonsense").status_code == 400


def test_party_members_yearly_summary_per_unit(vol, client):
    area = vol.world.a.neighbourhood
    unit = registry.create_organization(
        actor=None, area=area, data={"name": "瑞金医院党委", "kind": "党组织"}
    )
    other_unit = registry.create_organization(
        actor=None, area=area, data={"name": "乌中市集党支部", "kind": "党组织"}
    )
    doctor = services.register_volunteer(
        actor=vol.manager, area=area, name="刘医生", phone="13800000011", party_member=True, party_unit=unit
    )
    nurse = services.register_volunteer(
        actor=vol.manager, area=area, name="陈护士", phone="13800000012", party_member=True, party_unit=unit
    )
    services.register_volunteer(
        actor=vol.manager,
        area=area,
        name="周老板",
        phone="13800000013",
        party_member=True,
        party_unit=other_unit,
    )
    _serve(doctor, "2", on=dt.date(2026, 3, 1), ref="p:1")
    _serve(doctor, "1.5", on=dt.date(2026, 6, 1), ref="p:2")
    _serve(doctor, "4", on=dt.date(2025, 12, 31), ref="p:3")  # last year
    _serve(vol.alice, "3", on=dt.date(2026, 3, 1), ref="p:4")  # not a party member
    client.force_login(vol.leader)
    members = _csv(client.get(reverse("volunteers:export") + "?kind=party&year=2026"))
    assert members[0] == export.PARTY_FIELDS
    assert [r for r in members[1:]] == [
        ["乌中市集党支部", "周老板", area.name, "2026", "0", "0.00"],
        ["瑞金医院党委", "刘医生", area.name, "2026", "2", "3.50"],
        ["瑞金医院党委", "陈护士", area.name, "2026", "0", "0.00"],
    ]
    assert nurse.party_member
    units = _csv(client.get(reverse("volunteers:export") + "?kind=party_units&year=2026"))
    assert units == [
        export.PARTY_UNIT_FIELDS,
        ["乌中市集党支部", "2026", "1", "0", "0", "0.00"],
        ["瑞金医院党委", "2026", "2", "1", "2", "3.50"],
    ]
    last_year = _csv(client.get(reverse("volunteers:export") + "?kind=party_units&year=2025"))
    assert last_year[2] == ["瑞金医院党委", "2025", "2", "1", "1", "4.00"]


def test_redemption_ratio_is_points_spent_over_points_earned(vol, client):
    assert selectors.figures(vol.leader).redemption_ratio is None  # nothing earned: no ratio
    vol.give(vol.alice, 100)
    vol.give(vol.bob, 20)
    services.redeem(volunteer=vol.alice, reward=vol.reward)  # 30 points
    figures = selectors.figures(vol.leader)
    assert (figures.earned, figures.redeemed, figures.redemption_ratio) == (120, 30, 25.0)
    redemption = services.redeem(volunteer=vol.alice, reward=vol.reward)
    services.cancel_redemption(actor=vol.manager, redemption=redemption)  # refunded: not spent
    assert selectors.figures(vol.leader).redemption_ratio == 25.0
    client.force_login(vol.leader)
    assert "25.0%" in client.get(reverse("volunteers:index")).content.decode()


def _api(client, user, query: str = ""):
    from gongzhi.open311 import services as tokens

    _token, secret = tokens.issue_token(user=user, name="test")
    return client.get(f"/api/volunteers/export{query}", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_api_export_is_the_page_export_scoped_and_logged(vol, client):
    _serve(vol.alice, "2.5", on=dt.date(2026, 3, 1), ref="t:1")
    _serve(vol.bob, "1", on=dt.date(2026, 4, 1), ref="t:2")
    _serve(vol.other, "3", on=dt.date(2026, 3, 1), ref="t:3")  # subdistrict B
    response = _api(client, vol.leader)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="volunteer-service-records.csv"'
    rows = _csv(response)
    assert rows[0] == export.RECORD_FIELDS and [r[1] for r in rows[1:]] == ["张阿姨", "李师傅"]
    client.force_login(vol.leader)
    assert rows == _csv(client.get(reverse("volunteers:export")))
    march = _csv(_api(client, vol.leader, "?since=2026-03-01&until=2026-03-31"))
    assert [r[1] for r in march[1:]] == ["张阿姨"]
    book = load_workbook(io.BytesIO(_api(client, vol.leader, "?format=xlsx&kind=credentials").content))
    assert list(next(book.active.iter_rows(values_only=True))) == export.CREDENTIAL_FIELDS
    assert _api(client, vol.leader, "?kind=party_units&year=2026").status_code == 200
    assert [r[1] for r in _csv(_api(client, vol.world.b.users["leader"]))[1:]] == ["王同学"]
    logged = AccessLog.objects.filter(action="export:volunteer_records", user=vol.leader)
    assert logged.count() == 5  # four API exports and the page's


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("?kind=nonsense", 400, "未知的导出类型。"),
        ("?format=pdf", 400, "导出格式应为 csv 或 xlsx。"),
        ("?kind=party&year=1900", 400, "年度应在2000至2100之间。"),
        ("?since=2026-04-01&until=2026-03-01", 400, "起始日期不能晚于截止日期。"),
        ("?since=31/03/2026", 422, None),
    ],
)
def test_a_bad_api_export_is_a_4xx_and_logs_nothing(vol, client, query, status, message):
    response = _api(client, vol.leader, query)
    assert response.status_code == status
    if message:
        assert response.json()["message"] == message
    assert not AccessLog.objects.filter(action="export:volunteer_records").exists()


@pytest.mark.parametrize("role", ["gridworker", "dispatcher"])
def test_the_api_export_is_refused_to_those_who_may_not_export(vol, client, role):
    assert _api(client, vol.world.a.users[role]).status_code == 403
    assert not AccessLog.objects.filter(action="export:volunteer_records").exists()
