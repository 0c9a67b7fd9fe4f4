"""Any sequence of assigning, replacing (from a fresh or a stale page) and ending carers keeps
the assignments sound: at most one active per role, primary and back-up never the same carer,
an ended assignment never comes back, each change leaves one audit row, and a refused change
(stale page, same carer twice, ending one already ended) writes nothing."""

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.models import AuditEvent
from gongzhi.care import services
from gongzhi.care.models import Assignment, Recipient
from gongzhi.care.tests.conftest import MONDAY
from gongzhi.core.errors import DomainError

ROLES = ("primary", "backup")
operations = st.lists(
    st.one_of(
        st.tuples(st.just("assign"), st.sampled_from(ROLES), st.integers(0, 2), st.booleans()),
        st.tuples(st.just("end"), st.sampled_from(ROLES), st.just(0), st.booleans()),
    ),
    max_size=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_assignment_invariants_hold_for_any_sequence(care, ops):
    with time_machine.travel(MONDAY, tick=False), transaction.atomic():
        _run(care, ops)
        transaction.set_rollback(True)


def _snapshot(elder):
    return (
        list(Assignment.objects.filter(recipient=elder).order_by("pk").values_list("pk", "active", "role")),
        AuditEvent.objects.count(),
    )


def _run(care, ops):
    services.sync_population(today=MONDAY.date())
    elder = Recipient.objects.get(resident=care.elders[0])
    users = care.world.a.users
    carers = [
        ("gridworker", users["gridworker"]),
        ("neighbourhood", users["neighbourhood"]),
        ("neighbourhood", users["leader"]),
    ]
    manager = users["neighbourhood"]
    ended: set[int] = set()
    for op, role, who, fresh in ops:
        current = Assignment.objects.filter(recipient=elder, role=role, active=True).first()
        seen = current.pk if current else 0
        before = _snapshot(elder)
        try:
            if op == "assign":
                kind, user = carers[who]
                services.assign(
                    actor=manager,
                    recipient=elder,
                    role=role,
                    kind=kind,
                    user=user,
                    expected=seen if fresh else seen + 1000,
                )
                assert fresh
                assert current is None or current.pk in set(
                    Assignment.objects.filter(active=False).values_list("pk", flat=True)
                )
                if current:
                    ended.add(current.pk)
            else:
                target = current or Assignment.objects.filter(recipient=elder, role=role).last()
                if target is None:
                    continue
                services.end_assignment(actor=manager, assignment=target)
                ended.add(target.pk)
            assert AuditEvent.objects.count() == before[1] + 1
        except DomainError:
            assert _snapshot(elder) == before  # refused: nothing written
        active = list(Assignment.objects.filter(recipient=elder, active=True))
        assert len({a.role for a in active}) == len(active)  # at most one per role
        assert len({a.user_id for a in active}) == len(active)  # primary != back-up
        assert not {a.pk for a in active} & ended  # never re-activated
        assert all(a.ended_on is not None for a in Assignment.objects.filter(pk__in=ended))


pytestmark = pytest.mark.django_db
