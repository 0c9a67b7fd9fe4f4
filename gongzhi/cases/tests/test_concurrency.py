"""Two people acting on the same case at the same moment cannot both win."""

import threading

import pytest
from django.db import connection

from gongzhi.cases import services
from gongzhi.cases.models import Action, Case, CaseEvent
from gongzhi.cases.tests.helpers import public_report
from gongzhi.core.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def race(*callables):
    barrier = threading.Barrier(len(callables))
    outcomes = [None] * len(callables)

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            outcomes[i] = "ok"
        except DomainError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_two_dispatchers_accepting_at_once(world):
    case = public_report(world)
    dispatcher = world.a.users["dispatcher"]
    leader = world.a.users["leader"]
    outcomes = race(
        lambda: services.assign_case(
            case=case, actor=dispatcher, tier=1, unit=world.a.committee, expected_version=case.version
        ),
        lambda: services.assign_case(
            case=case, actor=leader, tier=3, unit=world.a.department, expected_version=case.version
        ),
    )
    assert sorted(outcomes) == ["conflict", "ok"]
    assert CaseEvent.objects.filter(case=case, action=Action.ASSIGN).count() == 1
    case.refresh_from_db()
    assert case.version == 1


def test_reply_and_reassign_race_leaves_one_consistent_result(world):
    case = public_report(world)
    a = world.a
    case = services.assign_case(case=case, actor=a.users["dispatcher"], tier=1, unit=a.committee)
    outcomes = race(
        lambda: services.reply_case(case=case, actor=a.users["neighbourhood"], text="已处理完毕"),
        lambda: services.reject_case(case=case, actor=a.users["dispatcher"], reason="重复"),
    )
    # Reject is not allowed from "assigned", so the reply wins and the case is consistent.
    assert "ok" in outcomes
    case = Case.objects.get(pk=case.pk)
    last = case.events.order_by("-seq").first()
    assert last.to_status == case.status
    seqs = list(case.events.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
