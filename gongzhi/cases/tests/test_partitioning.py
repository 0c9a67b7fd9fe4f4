"""Monthly partitioning of cases_caseevent (gongzhi.cases.partitioning). PostgreSQL DDL is
transactional, so each test converts the table inside its own test transaction and the
conversion is rolled back with it (the last test checks that it was)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse

from gongzhi.cases import partitioning, selectors, services
from gongzhi.cases.models import Action, CaseEvent
from gongzhi.cases.tests.helpers import public_report

SHANGHAI = ZoneInfo("Asia/Shanghai")
POSTGRES_ONLY = "partitioning is PostgreSQL-only; runs in the PostgreSQL half of CI"
postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason=POSTGRES_ONLY)


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def report(world, now):
    return public_report(world, now=now)


def partition_of(event: CaseEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM cases_caseevent WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def event_rows():
    return list(CaseEvent.objects.order_by("id").values())


@pytest.fixture
def history(world):
    """Two cases with events in January and March 2025 (Shanghai time), before any conversion."""
    dispatcher = world.a.users["dispatcher"]
    first = report(world, at(2025, 1, 10))
    services.accept_case(case=first, actor=dispatcher, now=at(2025, 1, 11))
    second = report(world, at(2025, 3, 5))
    services.assign_case(case=second, actor=dispatcher, tier=1, unit=world.a.committee, now=at(2025, 3, 6))
    return first, second


@postgres
def test_enable_keeps_every_event(history):
    before = event_rows()
    [done] = partitioning.enable(["events"])
    assert partitioning.is_partitioned("cases_caseevent")
    assert done.rows == len(before) > 0
    assert event_rows() == before


@postgres
def test_enable_creates_a_partition_per_month_and_a_default(history):
    [done] = partitioning.enable(["events"], months_ahead=2, now=at(2025, 4, 1))
    assert done.partitions == [
        "cases_caseevent_p202501",
        "cases_caseevent_p202502",
        "cases_caseevent_p202503",
        "cases_caseevent_p202504",
        "cases_caseevent_p202505",
        "cases_caseevent_p202506",
        "cases_caseevent_default",
    ]


@postgres
def test_existing_events_sit_in_their_month(history):
    first, second = history
    partitioning.enable(["events"])
    assert {partition_of(e) for e in first.events.all()} == {"cases_caseevent_p202501"}
    assert {partition_of(e) for e in second.events.all()} == {"cases_caseevent_p202503"}


@postgres
def test_new_events_land_in_their_shanghai_month(world, history):
    partitioning.enable(["events"], now=at(2025, 4, 1))
    case = report(world, at(2025, 6, 30, 23, 0))
    # 00:30 on 1 July in Shanghai is still 30 June in UTC: the July partition takes it.
    services.accept_case(case=case, actor=world.a.users["dispatcher"], now=at(2025, 7, 1, 0, 30))
    report_event, accept_event = case.events.order_by("seq")
    assert partition_of(report_event) == "cases_caseevent_p202506"
    assert partition_of(accept_event) == "cases_caseevent_p202507"


@postgres
def test_ids_go_on_from_the_old_sequence_under_its_name(world, history):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('cases_caseevent', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT nextval('{sequence}')")  # an id handed out, its row never written
        skipped = cursor.fetchone()[0]
    partitioning.enable(["events"])
    case = report(world, at(2025, 3, 20))
    assert case.events.get().pk > skipped
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('cases_caseevent', 'id')")
        assert cursor.fetchone()[0] == sequence


@postgres
def test_event_in_a_month_without_partition_goes_to_default(world, history):
    partitioning.enable(["events"], months_ahead=1, now=at(2025, 4, 1))
    case = report(world, at(2031, 1, 15))
    assert partition_of(case.events.get()) == "cases_caseevent_default"


@postgres
def test_foreign_key_from_attachments_is_dropped_and_reported(history):
    [done] = partitioning.enable(["events"])
    assert done.dropped_foreign_keys and all(
        fk.startswith("cases_attachment.") for fk in done.dropped_foreign_keys
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE confrelid = 'cases_caseevent'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 0


@postgres
def test_primary_key_and_unique_constraint_gain_created_at(history):
    partitioning.enable(["events"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'cases_caseevent'::regclass AND contype IN ('p', 'u') ORDER BY contype"
        )
        definitions = dict(cursor.fetchall())
    assert definitions["cases_caseevent_pkey"] == "PRIMARY KEY (id, created_at)"
    assert definitions["caseevent_unique_seq"] == "UNIQUE (case_id, seq, created_at)"


@postgres
def test_timeline_selector_and_page_still_work(client, world, history):
    first, _second = history
    partitioning.enable(["events"])
    assert [e.action for e in selectors.timeline(first)] == [Action.REPORT, Action.ACCEPT]
    client.force_login(world.a.users["dispatcher"])
    page = client.get(reverse("cases:detail", args=[first.number]))
    assert page.status_code == 200
    assert first.title in page.content.decode()


@postgres
def test_migrations_can_still_add_a_column_and_an_index(history):
    partitioning.enable(["events"])
    column = models.CharField(max_length=10, default="", blank=True)
    column.set_attributes_from_name("later_column")
    index = models.Index(fields=["case", "created_at"], name="caseevent_case_created")
    with connection.schema_editor() as editor:
        editor.add_field(CaseEvent, column)
        editor.add_index(CaseEvent, index)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'cases_caseevent_p%%' AND indexdef LIKE %s",
            ["%(case_id, created_at)%"],
        )
        on_partitions = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'cases_caseevent'::regclass",
        )
        partitions = cursor.fetchone()[0]
    assert on_partitions == partitions - 1  # every monthly partition (the default is not matched)


@postgres
def test_ensure_creates_months_ahead_and_is_idempotent(history):
    partitioning.enable(["events"], months_ahead=0, now=at(2025, 4, 1))
    created = partitioning.ensure(months_ahead=2, now=at(2025, 4, 20))
    assert created == ["cases_caseevent_p202505", "cases_caseevent_p202506"]
    assert partitioning.ensure(months_ahead=2, now=at(2025, 4, 20)) == []


@postgres
def test_ensure_moves_rows_out_of_default_into_the_new_month(world, history):
    partitioning.enable(["events"], months_ahead=0, now=at(2025, 4, 1))
    case = report(world, at(2025, 6, 2))
    assert partition_of(case.events.get()) == "cases_caseevent_default"
    partitioning.ensure(months_ahead=3, now=at(2025, 4, 20))
    assert partition_of(case.events.get()) == "cases_caseevent_p202506"


@postgres
def test_detach_removes_old_months_from_the_table(history):
    first, second = history
    partitioning.enable(["events"])
    detached = partitioning.detach(before=(2025, 2))
    assert detached == [("cases_caseevent_p202501", 2)]
    assert not CaseEvent.objects.filter(case=first).exists()
    assert CaseEvent.objects.filter(case=second).count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_caseevent_p202501")
        assert cursor.fetchone()[0] == 2  # detached, not dropped


@postgres
def test_failure_midway_leaves_the_table_as_it_was(history):
    before = event_rows()
    with connection.cursor() as cursor:
        # A view on the table: dropping the old table (after the copy) fails without CASCADE.
        cursor.execute("CREATE VIEW partition_test_view AS SELECT id FROM cases_caseevent")
    with pytest.raises(DatabaseError), transaction.atomic():
        partitioning.enable(["events"])
    assert not partitioning.is_partitioned("cases_caseevent")
    assert event_rows() == before
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE confrelid = 'cases_caseevent'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone()[0] == 1  # the attachment foreign key is back


@postgres
def test_enable_refuses_a_table_already_partitioned(history):
    partitioning.enable(["events"])
    with pytest.raises(CommandError, match="已经按月分区"):
        call_command("partition", "enable", "--tables", "events")


@postgres
def test_status_command_lists_partitions(history, capsys):
    partitioning.enable(["events"])
    call_command("partition", "status")
    out = capsys.readouterr().out
    assert "cases_caseevent: 按月分区" in out and "cases_caseevent_p202503" in out
    assert "cases_case: 未分区" in out


@postgres
def test_conversions_were_rolled_back_with_their_tests(db):
    # Runs after the tests above (file order): none of their conversions outlived its test.
    assert not partitioning.is_partitioned("cases_caseevent")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is what SQLite users see")
def test_command_refuses_on_sqlite_in_chinese(db):
    for args in (["status"], ["enable"], ["ensure"], ["detach", "--before", "2024-01"]):
        with pytest.raises(CommandError, match="按月分区是 PostgreSQL 的功能"):
            call_command("partition", *args)
