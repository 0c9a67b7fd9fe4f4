import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.core import calendar, services
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.core.models import CalendarDay, CalendarYear


def at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture(autouse=True)
def fresh_calendar(db):
    calendar.invalidate()
    yield
    calendar.invalidate()


def test_national_day_holiday_is_skipped():
    # 2026-09-30 16:00 + 4 working hours: one hour that day, the rest after the 1–7 Oct holiday.
    assert calendar.add_working_hours(at(2026, 9, 30, 16, 0), 4) == at(2026, 10, 8, 12, 0)


def test_make_up_working_day_counts():
    makeup = CalendarDay.objects.filter(is_workday=True, date__year=2026).first()
    assert makeup is not None and makeup.date.weekday() >= 5
    assert calendar.is_workday(makeup.date)


def test_weekend_is_skipped_for_days():
    friday = at(2025, 11, 21, 10, 0)
    assert calendar.add_working_days(friday, 1) == at(2025, 11, 24, 10, 0)


def test_working_hours_between_counts_only_office_hours():
    assert calendar.working_hours_between(at(2025, 11, 21, 16, 0), at(2025, 11, 24, 10, 0)) == 2.0


def test_year_without_schedule_counts_monday_to_friday_and_warns():
    assert 2027 not in calendar.known_years()
    assert calendar.missing_years(dt.date(2026, 12, 1)) == [2027]
    assert calendar.is_workday(dt.date(2027, 1, 1))  # a Friday: no schedule says otherwise


def test_admin_imports_next_year(world):
    count = services.import_calendar(
        actor=world.admin, year=2027, text="日期,类型,名称\n2027-01-01,休,元旦\n2027-01-04,班,调休\n".encode()
    )
    calendar.invalidate()
    assert count == 2
    assert CalendarYear.objects.filter(year=2027).exists()
    assert not calendar.is_workday(dt.date(2027, 1, 1))


def test_bad_schedule_changes_nothing(world):
    with pytest.raises(DomainError, match="第 3 行"):
        services.import_calendar(
            actor=world.admin, year=2027, text="2027-01-01,休,元旦\n2027-01-02,休\n2027-13-01,休,x\n"
        )
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_only_admin_may_import(world):
    with pytest.raises(NotAllowed):
        services.import_calendar(actor=world.a.users["dispatcher"], year=2027, text="2027-01-01,休,元旦")


def test_calendar_page_import_and_refusal(world, client):
    client.force_login(world.a.users["dispatcher"])
    assert client.get("/core/calendar/").status_code == 403
    client.force_login(world.admin)
    page = client.get("/core/calendar/")
    assert page.status_code == 200 and "2027" in page.content.decode()
    bad = client.post(
        "/core/calendar/", {"year": 2027, "file": SimpleUploadedFile("c.csv", b"2027-01-01,X,y")}
    )
    assert bad.status_code == 422 and "类型应为" in bad.content.decode()
    ok = client.post(
        "/core/calendar/", {"year": 2027, "file": SimpleUploadedFile("c.csv", "2027-01-01,休,元旦".encode())}
    )
    assert ok.status_code == 302


def test_staff_see_missing_year_warning(world, client):
    client.force_login(world.a.users["dispatcher"])
    today = timezone.localdate()
    missing = [y for y in (today.year, today.year + 1) if not CalendarYear.objects.filter(year=y).exists()]
    body = client.get("/cases/").content.decode()
    assert ("节假日安排尚未导入" in body) == bool(missing)


@pytest.mark.parametrize("uptime", [0.0, 12.5, 299.0])
def test_holidays_count_on_a_machine_booted_moments_ago(monkeypatch, uptime):
    # time.monotonic() counts from boot: a fresh server (or CI machine) reads small values.
    monkeypatch.setattr(calendar.time, "monotonic", lambda: uptime)
    calendar.invalidate()
    assert not calendar.is_workday(dt.date(2026, 10, 1))
    assert calendar.add_working_hours(at(2026, 9, 30, 16, 0), 4) == at(2026, 10, 8, 12, 0)
