"""Map places: opening hours, nominate → verify → publish, reports from the public, re-checks."""

import datetime as dt

import pytest

from gongzhi.accounts.models import Notice
from gongzhi.cobuilding import hours
from gongzhi.cobuilding.models import Place, PlaceReport, PlaceState
from gongzhi.cobuilding.services import places
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed
from gongzhi.registry.models import Organization

pytestmark = pytest.mark.django_db

T = dt.datetime


@pytest.mark.parametrize(
    ("expression", "at", "open_"),
    [
        ("24/7", T(2026, 10, 1, 3, 0), True),
        # overnight range: Monday 22:00 to Tuesday 02:00
        ("Mo-Fr 22:00-02:00", T(2026, 12, 1, 1, 30), True),  # a Tuesday 01:30
        ("Mo-Fr 22:00-02:00", T(2026, 12, 1, 2, 30), False),
        ("Mo-Fr 22:00-02:00", T(2026, 12, 5, 1, 0), True),  # Saturday 01:00, from Friday night
        ("Mo-Fr 22:00-02:00", T(2026, 12, 6, 1, 0), False),  # Sunday 01:00
        # public holidays of China: the National Day is a holiday
        ("Mo-Su 09:00-18:00; PH off", T(2026, 10, 1, 10, 0), False),
        ("Mo-Su 09:00-18:00; PH off", T(2026, 10, 9, 10, 0), True),
        ("Mo-Sa 07:00-21:00; Su 09:00-17:00", T(2026, 12, 6, 8, 0), False),
        ("Mo-Sa 07:00-21:00; Su 09:00-17:00", T(2026, 12, 6, 10, 0), True),
        ("Mo-Fr 11:00-14:00,17:00-20:00", T(2026, 12, 2, 15, 0), False),
    ],
)
def test_opening_hours_on_tricky_strings(expression, at, open_):
    assert hours.clean(expression) == expression
    assert hours.is_open(expression, at) is open_


@pytest.mark.parametrize("expression", ["", "Mo-Fx 9-", "每天 8 点到 20 点", "25:00-26:00"])
def test_bad_opening_hours_get_a_clear_message(expression):
    with pytest.raises(DomainError) as excinfo:
        hours.clean(expression)
    assert "开放时间" in excinfo.value.message


def test_describe_says_when_it_closes():
    assert hours.describe("24/7") == "24 小时开放"
    assert hours.describe("Mo-Su 08:00-22:00", T(2026, 12, 2, 9, 0)) == "营业中 · 22:00 关门"
    assert hours.describe("Mo-Su 08:00-22:00", T(2026, 12, 2, 23, 0)) == "已关门 · 明天 08:00 开门"


def nominate(world, **extra):
    data = {
        "kind": "merchant",
        "name": "宜德饭堂",
        "lat": 31.2012,
        "lng": 121.4012,
        "address": "A路 1 号",
        "opening_hours": "Mo-Su 07:00-21:00",
        "amenities": ["water", "toilet", "microwave"],
    }
    data.update(extra)
    return places.nominate_place(actor=world.a.users["gridworker"], **data)


def published(world, **extra):
    place = nominate(world, **extra)
    place = places.verify_place(actor=world.a.users["gridworker"], place=place)
    return places.publish_place(actor=world.a.users["leader"], place=place)


def test_a_place_goes_nominated_verified_published(net, world):
    place = nominate(world)
    assert place.area == world.a.estate  # found from the point
    with pytest.raises(InvalidTransition):
        places.publish_place(actor=world.a.users["leader"], place=place)
    place = places.verify_place(actor=world.a.users["gridworker"], place=place)
    assert place.state == PlaceState.VERIFIED and place.check_due_on is not None
    with pytest.raises(NotAllowed):  # the grid worker checks, the neighbourhood or leader publishes
        places.publish_place(actor=world.a.users["gridworker"], place=place)
    place = places.publish_place(actor=world.a.users["leader"], place=place)
    assert place.state == PlaceState.PUBLISHED


def test_bad_place_input_changes_nothing(net, world):
    with pytest.raises(DomainError, match="开放时间"):
        nominate(world, opening_hours="全天")
    with pytest.raises(DomainError, match="不在"):
        nominate(world, area=world.a.other_neighbourhood)  # the point lies in A一居
    with pytest.raises(DomainError, match="不在任何街道"):
        nominate(world, lat=30.0, lng=120.0)
    with pytest.raises(DomainError, match="设施"):
        nominate(world, amenities=["spa"])
    before = Organization.objects.count()
    with pytest.raises(DomainError, match="统一社会信用代码"):
        nominate(world, new_operator={"name": "鼎福记", "credit_code": "91310105MA1FL0000X"})
    assert Organization.objects.count() == before
    assert not Place.objects.exists()


def test_three_reports_from_the_public_suspend_a_place(net, world, django_capture_on_commit_callbacks):
    place = published(world)
    now = T(2026, 12, 2, 12, tzinfo=dt.UTC)
    places.report_place(place=place, kind="closed", reporter_key="a", now=now)
    places.report_place(place=place, kind="closed", reporter_key="a", now=now)  # the same person again
    places.report_place(place=place, kind="wrong", reporter_key="b", now=now)  # not a closed/missing report
    place.refresh_from_db()
    assert place.state == PlaceState.PUBLISHED
    places.report_place(place=place, kind="missing", reporter_key="c", now=now)
    place.refresh_from_db()
    assert place.state == PlaceState.PUBLISHED  # two different people so far
    with django_capture_on_commit_callbacks(execute=True):
        places.report_place(place=place, kind="closed", reporter_key="d", now=now)
    place.refresh_from_db()
    assert place.state == PlaceState.SUSPENDED
    with pytest.raises(DomainError):
        places.report_place(place=place, kind="closed", reporter_key="e", now=now)
    assert Notice.objects.filter(kind="cobuilding.place_check", user=world.a.users["gridworker"]).exists()
    # re-checked on site: back to verified, reports resolved, then published again
    place = places.verify_place(actor=world.a.users["gridworker"], place=place, note="营业正常")
    assert not PlaceReport.objects.filter(resolved_at__isnull=True).exists()
    places.publish_place(actor=world.a.users["leader"], place=place)


def test_recheck_sweep_tells_the_grid_worker_once(net, world):
    place = published(world)
    due = place.check_due_on
    assert places.sweep_rechecks(today=due - dt.timedelta(days=1)) == 0
    assert places.sweep_rechecks(today=due) >= 1
    assert places.sweep_rechecks(today=due) == 0
    later = place.verified_at + dt.timedelta(days=85)
    place = places.recheck_place(actor=world.a.users["gridworker"], place=place, now=later)
    assert place.check_due_on > due


def test_pledge_replaces_the_previous_one(net, world):
    place = published(world, operator=net.shop_a)
    places.pledge(
        actor=world.a.users["gridworker"],
        place=place,
        offers=["water", "charging"],
        pledged_on=dt.date(2026, 1, 1),
    )
    places.pledge(
        actor=world.a.users["gridworker"], place=place, offers=["water"], pledged_on=dt.date(2026, 6, 1)
    )
    assert place.pledges.filter(withdrawn_on__isnull=True).count() == 1
    with pytest.raises(DomainError):
        places.pledge(
            actor=world.a.users["gridworker"], place=place, offers=[], pledged_on=dt.date(2026, 6, 1)
        )
