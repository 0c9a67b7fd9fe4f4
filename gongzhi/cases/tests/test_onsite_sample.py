"""The monthly random spot-check sample of 现场即办 cases (issue 14: "dispatchers verify a
sample") and the on-site REST endpoints."""

import datetime as dt
import hashlib
import hmac
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.tokens import issue_token
from gongzhi.cases import selectors, services
from gongzhi.cases.models import Case, Source, Status
from gongzhi.cases.tests.test_onsite import onsite
from gongzhi.cases.tests.test_photos import jpeg_upload

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = dt.date(2026, 11, 1)


def at(day: int, month: int = 11):
    return time_machine.travel(dt.datetime(2026, month, day, 10, 0, tzinfo=SHANGHAI), tick=False)


def record(world, n, *, day=10, month=11, side="a"):
    made = []
    for i in range(n):
        with at(day, month):
            made.append(onsite(world, side=side, title=f"楼道堆物{i}"))
    return made


def expected_draw(number: str) -> float:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"onsite-sample:2026-11:{number}".encode(), hashlib.sha256
    ).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user, name='t')[1]}"}


@pytest.mark.django_db
def test_sample_is_the_keyed_draw_stable_and_scoped(world):
    cases = record(world, 12)
    record(world, 2, day=20, month=10)  # another month: never in November's sample
    record(world, 2, side="b")  # another subdistrict
    dispatcher = world.a.users["dispatcher"]
    sample = selectors.onsite_sample(dispatcher, month=NOVEMBER, share=0.3, minimum=3)
    assert sample.total == 12
    drawn = {c.number for c in sample.cases}
    by_draw = sorted(cases, key=lambda c: expected_draw(c.number))
    below = {c.number for c in cases if expected_draw(c.number) < 0.3}
    assert drawn == (below if len(below) >= 3 else {c.number for c in by_draw[:3]})
    assert drawn <= {c.number for c in cases}
    # The same for every look and for any day of the month given as the month.
    again = selectors.onsite_sample(dispatcher, month=dt.date(2026, 11, 17), share=0.3, minimum=3)
    assert [c.number for c in again.cases] == [c.number for c in sample.cases]
    # More cases recorded later in the month do not push a drawn case out.
    record(world, 6, day=25)
    later = selectors.onsite_sample(dispatcher, month=NOVEMBER, share=0.3, minimum=3)
    assert below <= {c.number for c in later.cases} and later.total == 18
    # B's dispatcher sees only B's on-site cases.
    theirs = selectors.onsite_sample(world.b.users["dispatcher"], month=NOVEMBER, share=1.0, minimum=3)
    assert theirs.total == 2 and not drawn & {c.number for c in theirs.cases}


@pytest.mark.django_db
def test_minimum_tops_up_with_the_lowest_draws_and_checks_are_shown(world):
    cases = record(world, 5)
    dispatcher = world.a.users["dispatcher"]
    sample = selectors.onsite_sample(dispatcher, month=NOVEMBER, share=0.0, minimum=3)
    lowest = sorted(cases, key=lambda c: expected_draw(c.number))[:3]
    assert {c.number for c in sample.cases} == {c.number for c in lowest}
    assert sample.checked == 0 and all(not c.checked and c.passed is None for c in sample.cases)
    first, second = sample.cases[0], sample.cases[1]
    with at(28):
        services.check_onsite(case=first, actor=dispatcher, passed=True, note="电话回访住户，已清空。")
        services.check_onsite(case=second, actor=dispatcher, passed=False, note="上门查看，仍有堆物。")
    sample = selectors.onsite_sample(dispatcher, month=NOVEMBER, share=0.0, minimum=3)
    marks = {c.number: (c.checked, c.passed) for c in sample.cases}
    assert marks[first.number] == (True, True) and marks[second.number] == (True, False)
    assert sample.checked == 2
    # Fewer cases than the minimum: all of them.
    assert len(selectors.onsite_sample(dispatcher, month=NOVEMBER, share=0.0, minimum=9).cases) == 5
    assert selectors.onsite_sample(dispatcher, month=dt.date(2026, 9, 1)).cases == []


@pytest.mark.django_db
def test_page_for_dispatchers_only_in_a_fixed_number_of_queries(world, client):
    record(world, 3)
    dispatcher = world.a.users["dispatcher"]
    client.force_login(dispatcher)
    with at(28), CaptureQueriesContext(connection) as few:
        page = client.get("/cases/onsite/sample/?month=2026-11")
    assert page.status_code == 200
    text = page.content.decode()
    sample = selectors.onsite_sample(dispatcher, month=NOVEMBER)
    assert len(sample.cases) == 3 and all(c.number in text for c in sample.cases)
    assert "本月现场即办 3 件，抽中 3 件，已抽查 0 件" in text
    record(world, 9)
    with at(28), CaptureQueriesContext(connection) as many:
        page = client.get("/cases/onsite/sample/?month=2026-11")
    assert page.status_code == 200 and len(many) == len(few)
    with at(28):
        assert "现场抽查" in client.get("/cases/").content.decode()  # in the dispatcher's menu
        assert client.get("/cases/onsite/sample/?month=bogus").status_code == 200  # this month
    client.force_login(world.a.users["gridworker"])
    assert client.get("/cases/onsite/sample/").status_code == 403


@pytest.mark.django_db
def test_api_records_on_site_in_one_call(world, client):
    gridworker = world.a.users["gridworker"]
    form = {
        "category": world.category.code,
        "title": "井盖松动",
        "found": "5号楼前井盖松动，有绊倒风险。",
        "done": "联系物业当场复位固定。",
        "area": world.a.estate.code,
        "photos_after": [jpeg_upload("after.jpg")],
        "photos_before": [jpeg_upload("before.jpg")],
    }
    response = client.post("/api/cases/onsite", form, **auth(gridworker))
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert case.source == Source.ONSITE and case.status == Status.CLOSED
    assert case.attachments.count() == 2

    # No photo after handling: a clear refusal, nothing written.
    bad = {**form, "photos_after": [], "photos_before": [jpeg_upload("before.jpg")]}
    response = client.post("/api/cases/onsite", bad, **auth(gridworker))
    assert response.status_code in (400, 422)
    # Another subdistrict's area, and a role that may not record on the spot.
    other = {**form, "area": world.b.estate.code, "photos_after": [jpeg_upload("after.jpg")]}
    assert client.post("/api/cases/onsite", other, **auth(gridworker)).status_code == 404
    dispatched = {**form, "photos_after": [jpeg_upload("after.jpg")]}
    assert (
        client.post("/api/cases/onsite", dispatched, **auth(world.a.users["dispatcher"])).status_code == 403
    )
    assert Case.objects.filter(source=Source.ONSITE).count() == 1


@pytest.mark.django_db
def test_api_sample_for_dispatchers(world, client):
    record(world, 4)
    dispatcher = world.a.users["dispatcher"]
    response = client.get("/api/cases/onsite/sample?month=2026-11", **auth(dispatcher))
    assert response.status_code == 200
    body = response.json()
    expected = selectors.onsite_sample(dispatcher, month=NOVEMBER)
    assert body["month"] == "2026-11" and body["total"] == 4 and body["checked"] == 0
    assert [c["number"] for c in body["cases"]] == [c.number for c in expected.cases]
    assert client.get("/api/cases/onsite/sample?month=2026-13", **auth(dispatcher)).status_code == 400
    assert client.get("/api/cases/onsite/sample?month=11", **auth(dispatcher)).status_code == 422
    assert client.get("/api/cases/onsite/sample", **auth(world.a.users["gridworker"])).status_code == 403
