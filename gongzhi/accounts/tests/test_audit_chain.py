"""The audit trail's SM3 hash chain (等保 8.1.4.3 c, control A10): tampering with a row, cutting
the tail and reordering rows are each detected and the first bad row named."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gongzhi.accounts import audit, chain
from gongzhi.accounts.models import AccessLog, AuditChainHead, AuditEvent
from gongzhi.core.errors import DomainError


@pytest.fixture
def rows(world):
    actor = world.a.users["leader"]
    events = [
        audit.record(actor=actor, action=f"test.change{i}", target=world.a.subdistrict, data={"n": i})
        for i in range(5)
    ]
    logs = [
        AccessLog.objects.create(user=actor, action="reveal:phone", object_type="resident", object_id=str(i))
        for i in range(3)
    ]
    return events, logs


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_sm3_vector_and_an_intact_chain_verifies(rows):
    assert chain.sm3(b"abc").startswith("66c7f0f4")
    assert chain.verify(AuditEvent).ok and chain.verify(AccessLog).ok
    events, _logs = rows
    assert events[0].prev_hash == chain.GENESIS and events[1].prev_hash == events[0].row_hash
    head = AuditChainHead.objects.get(table="accounts_auditevent")
    assert (head.rows, head.last_id) == (AuditEvent.objects.count(), events[-1].pk)
    call_command("audit", "verify")


def test_editing_a_row_is_detected_and_named(rows):
    events, _logs = rows
    raw("UPDATE accounts_auditevent SET action = 'test.harmless' WHERE id = %s", events[2].pk)
    result = chain.verify(AuditEvent)
    assert not result.ok and result.bad_id == events[2].pk and "changed" in result.reason
    with pytest.raises(CommandError, match=f"#{events[2].pk}"):
        call_command("audit", "verify")


def test_deleting_the_tail_is_detected(rows):
    events, logs = rows
    raw("DELETE FROM accounts_accesslog WHERE id = %s", logs[-1].pk)
    result = chain.verify(AccessLog)
    assert not result.ok and "tail cut" in result.reason and result.bad_id == logs[-1].pk
    assert chain.verify(AuditEvent).ok


def test_deleting_a_middle_row_is_detected(rows):
    events, _logs = rows
    raw("DELETE FROM accounts_auditevent WHERE id = %s", events[1].pk)
    result = chain.verify(AuditEvent)
    assert not result.ok and result.bad_id == events[2].pk and "link broken" in result.reason


def test_reordering_rows_is_detected(rows):
    events, _logs = rows
    a, b = events[1].pk, events[2].pk
    raw("UPDATE accounts_auditevent SET id = -1 WHERE id = %s", a)
    raw("UPDATE accounts_auditevent SET id = %s WHERE id = %s", a, b)
    raw("UPDATE accounts_auditevent SET id = %s WHERE id = -1", b)
    result = chain.verify(AuditEvent)
    assert not result.ok and result.bad_id == a


def test_rewriting_the_head_without_the_key_is_detected(rows):
    events, _logs = rows
    raw("DELETE FROM accounts_auditevent WHERE id = %s", events[-1].pk)
    AuditChainHead.objects.filter(table="accounts_auditevent").update(
        rows=len(events) - 1, last_id=events[-2].pk, last_hash=events[-2].row_hash
    )
    result = chain.verify(AuditEvent)
    assert not result.ok and "head altered" in result.reason


def test_the_application_refuses_to_edit_a_row(rows):
    events, _logs = rows
    event = AuditEvent.objects.get(pk=events[0].pk)
    event.action = "test.other"
    with pytest.raises(DomainError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.change0"


def test_an_action_rolled_back_leaves_the_chain_intact(rows, world):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=world.a.users["leader"], action="test.rolled_back")
        raise RuntimeError
    audit.record(actor=world.a.users["leader"], action="test.after")
    assert chain.verify(AuditEvent).ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_update_and_delete(rows):
    from django.db import DatabaseError, transaction

    events, _logs = rows
    for sql in (
        "UPDATE accounts_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            raw("SET LOCAL gongzhi.audit_maintenance = 'off'")  # the suite's sessions are maintenance
            raw(sql, events[0].pk)


@pytest.mark.django_db(transaction=True)
def test_two_threads_writing_at_once_keep_one_chain():
    import threading

    from django.db import connections

    from gongzhi.accounts.models import AuditEvent as Event

    audit.record(actor=None, action="test.first")  # the head exists (the migration makes it)

    def write(n: int) -> None:
        try:
            for i in range(5):
                audit.record(actor=None, action=f"test.thread{n}.{i}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Event.objects.filter(action__startswith="test.thread").count() == 10
    assert chain.verify(Event).ok
