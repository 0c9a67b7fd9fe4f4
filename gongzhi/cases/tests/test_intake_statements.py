"""The SQL statements of one intake (issue 19: at most 8), on each way in — the public form, the
REST API, Open311 — with the category model active, counted as production sends them (real
commits: transactional tests); and the one-statement case number under concurrency.

An intake's statements are those of `create_case` and of the work it leaves for the commit (the
category suggestion), recorded by `gongzhi.testing.statements`; what the view around it sends
(authentication, the form's look-ups, the session, rate counters, the Open311 request record) is
not the intake's. Counted in the steady state: the first intake of a process also reads the
outlines (the area index, built once per process at start in production), the working-day
calendar (cached five minutes) and the model's blob (once per version)."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseCounter, CaseEvent, Category, OutboundMessage, Source
from gongzhi.cases.tests.helpers import public_report
from gongzhi.cases.tests.test_photos import jpeg_upload
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.open311 import services as open311_services
from gongzhi.territory.models import Area
from gongzhi.testing.statements import intake_statements
from gongzhi.text import services as text_services
from gongzhi.text.models import Suggestion
from gongzhi.text.tests.helpers import make_case, topic_text

pytestmark = pytest.mark.django_db(transaction=True)

POINT = {"lat": 31.2005, "lng": 121.4005}  # inside A's estate, the deepest area there
MAX_STATEMENTS = 8

# What every intake writes, in its one transaction. SQLite's BEGIN IMMEDIATE goes through a
# cursor and is recorded; PostgreSQL's BEGIN (psycopg's, implicit) and either COMMIT are not.
# Transaction control is not counted against the limit: every write pays it, the bare
# insert of the bench's reference too. A SAVEPOINT would be counted (there is none left).
BEGIN = ["BEGIN"] if connection.vendor == "sqlite" else []
WRITES = [
    "INSERT cases_casecounter",  # the day's number: INSERT … ON CONFLICT DO UPDATE … RETURNING
    "INSERT cases_case",  # created_at is the report's time in the INSERT (no UPDATE after it)
    "INSERT cases_caseevent",  # the report event, seq 1 (no MAX(seq) read for a new case)
    "INSERT cases_outboundmessage",  # the message to the reporter (transactional outbox)
]
# After the commit, still in the request: the category suggestion.
SUGGESTION = [
    "SELECT text_modelversion",  # one UNION ALL: active version, live categories, live units
    "INSERT text_suggestion",
]


@pytest.fixture
def trained(world):
    """Three topics of closed cases and an active category model, loaded in memory."""
    top = world.parent_category
    categories = {
        "charging": world.category,
        "rubbish": Category.objects.create(code="0102", name="垃圾堆放", parent=top),
        "noise": Category.objects.create(code="0103", name="噪音扰民", parent=top),
    }
    units = {"charging": world.a.department, "rubbish": world.a.committee, "noise": world.a.grid_station}
    rng = random.Random(7)
    start = timezone.now() - dt.timedelta(days=200)
    for n in range(14):  # 42 cases: 80 % of them (the training share) is over MIN_CASES
        for k, (topic, category) in enumerate(categories.items()):
            title, text = topic_text(topic, rng)
            make_case(
                side=world.a,
                category=category,
                title=title,
                description=text,
                unit=units[topic],
                when=start + dt.timedelta(days=3 * n + k),
            )
    text_services._cache.update(pk=None, bundle=None)
    assert text_services.train_category_model(actor=world.admin).activated
    text_services.active_model()
    yield categories
    text_services._cache.update(pk=None, bundle=None)


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    # The public form's rate counter lives in a cache table that a transactional test's flush
    # does not empty.
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def _counted(recorded) -> list[str]:
    return [shape for shape in recorded.shapes if shape not in ("BEGIN", "COMMIT")]


def _twice(post):
    """Warm up with one intake (outlines, calendar, model), then record the second."""
    assert post().status_code in (201, 302)
    with intake_statements() as recorded:
        response = post()
    assert response.status_code in (201, 302), response.content
    return recorded


def test_public_form_intake_is_seven_statements(world, trained, client):
    def post():
        return client.post(
            "/public/report/",
            {
                "category": trained["noise"].pk,
                "title": "夜间广场舞噪音",
                "description": "每天夜间广场舞音响声音太大，扰民严重",
                "area": world.a.neighbourhood.pk,
                **POINT,
                "reporter_phone": "13700002222",
            },
        )

    recorded = _twice(post)
    assert recorded.shapes == [
        "SELECT territory_area",  # the deepest area at the point, its subdistrict joined
        *BEGIN,
        *WRITES,
        *SUGGESTION,
    ], recorded.intake
    assert len(_counted(recorded)) <= MAX_STATEMENTS
    assert Suggestion.objects.count() == Case.objects.filter(source=Source.WEB).count() == 2


def test_api_intake_is_eight_statements(world, trained, client):
    _token, secret = open311_services.issue_token(user=world.a.users["gridworker"], name="t")
    body = {
        "category": "0101",
        "title": "楼道飞线充电",
        "description": "巡查发现楼道里有人拉飞线给电瓶车充电",
        "source": "patrol",
        "area": world.a.neighbourhood.code,
        **POINT,
        "reporter_phone": "13700003333",
    }

    def post():
        return client.post(
            "/api/cases/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    recorded = _twice(post)
    assert recorded.shapes == [
        "SELECT territory_area",  # the deepest area at the point, its subdistrict joined
        "SELECT auth_group",  # the grid worker's roles, for case.create (the scope came with the token)
        *BEGIN,
        *WRITES,
        *SUGGESTION,
    ], recorded.intake
    assert len(_counted(recorded)) <= MAX_STATEMENTS


def test_open311_intake_is_eight_statements(world, trained, client):
    key, secret = open311_services.issue_key(name="12345平台", subdistrict=world.a.subdistrict, actor=None)
    data = {
        "api_key": secret,
        "service_code": "0101",
        "description": "楼道里飞线充电",
        "lat": str(POINT["lat"]),
        "long": str(POINT["lng"]),
        "phone": "13812345678",
    }

    def post():
        return client.post("/open311/v2/requests.json", data)

    recorded = _twice(post)
    assert recorded.shapes == [
        "SELECT territory_area",  # the deepest area at the point, its subdistrict joined
        "SELECT auth_group",  # the key's service account's roles (its scope came with the key)
        # no BEGIN and no SAVEPOINT: create_case joins submit_request's transaction
        *WRITES,
        *SUGGESTION,
    ], recorded.intake
    assert len(_counted(recorded)) <= MAX_STATEMENTS


def test_intake_without_a_point_reads_the_subdistrict(world):
    """Without a point, the given area's subdistrict is one SELECT (its code is in the number);
    without a model, the suggestion is one SELECT (no active version) and records nothing."""
    public_report(world)
    area = Area.objects.get(pk=world.a.estate.pk)  # as a form's field gives it
    with intake_statements() as recorded:
        public_report(world, area=area)
    assert recorded.shapes == ["SELECT territory_area", *BEGIN, *WRITES, "SELECT text_modelversion"]
    assert Suggestion.objects.count() == 0


def test_the_report_time_is_the_insert_time(world):
    at = timezone.now() - dt.timedelta(hours=3)
    case = public_report(world, now=at)
    case.refresh_from_db()
    event = CaseEvent.objects.get(case=case)
    assert case.created_at == event.created_at == at and event.seq == 1
    case.title = "改过的标题"
    case.save(update_fields=["title", "updated_at"])
    case.refresh_from_db()
    assert case.created_at == at  # a later save keeps it


def test_a_refusal_writes_nothing_and_leaves_the_callers_transaction_usable(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    broken = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with transaction.atomic():
        with pytest.raises(DomainError):
            public_report(world, photos_=[broken])
        with pytest.raises(DomainError):  # a point outside every area, no area given
            services.create_case(
                actor=None,
                category=world.category,
                title="飞线充电",
                description="楼道飞线充电",
                source=Source.WEB,
                lat=31.5,
                lng=121.9,
                reporter_phone="13812345678",
            )
        with pytest.raises(NotAllowed):  # another subdistrict's grid worker
            public_report(world, actor=world.b.users["gridworker"], source=Source.PATROL)
        assert Case.objects.count() == 0  # still usable: no savepoint was needed
        public_report(world, photos_=[jpeg_upload("ok.jpg")])
    assert Case.objects.count() == 1 and CaseCounter.objects.get().last == 1
    assert OutboundMessage.objects.count() == 1


def _race(n, fn):
    barrier = threading.Barrier(n)
    numbers, errors = [], []

    def run():
        try:
            barrier.wait()
            numbers.append(fn().number)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return numbers, errors


@pytest.mark.parametrize("fallback", [False, True], ids=["upsert", "locked-read"])
def test_simultaneous_intakes_get_distinct_numbers(world, monkeypatch, fallback):
    """The first cases of a day race to create the day's counter row, later ones to increment
    it; every case gets its own number, consecutive. `locked-read` is the path of a SQLite
    without RETURNING (< 3.35): SELECT … FOR UPDATE, then UPDATE."""
    if fallback:
        if connection.vendor != "sqlite":
            pytest.skip("the locked-read path is SQLite's (< 3.35); PostgreSQL always has RETURNING")
        monkeypatch.setattr(type(connection.features), "can_return_columns_from_insert", False)
    first, errors = _race(3, lambda: public_report(world))
    assert errors == []
    second, errors = _race(3, lambda: public_report(world))
    assert errors == []
    numbers = sorted(first + second)
    assert len(set(numbers)) == 6
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003", "0004", "0005", "0006"]
    assert CaseCounter.objects.get(subdistrict=world.a.subdistrict).last == 6
    assert set(Case.objects.values_list("number", flat=True)) == set(numbers)
