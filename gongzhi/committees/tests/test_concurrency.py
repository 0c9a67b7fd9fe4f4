"""Two staff entering a ballot for the same dwelling at once: exactly one is kept."""

import datetime as dt
import threading

import pytest
from django.db import connection

from gongzhi.committees import services
from gongzhi.committees.models import Ballot
from gongzhi.committees.tests.helpers import dwellings
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


def test_two_entries_for_one_dwelling(world):
    leader, secretary = world.a.users["leader"], world.a.users["neighbourhood"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    home = dwellings(world.a.estate, ["88.5", "70"])[0]
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="续聘物业",
        matter="ordinary",
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 3, 31),
    )

    def enter(user, choice):
        return lambda: services.cast_ballot(
            actor=user,
            vote=vote,
            dwelling=home,
            voter_name=home.owner_name,
            choice=choice,
            on=dt.date(2026, 3, 5),
        )

    outcomes = race(enter(leader, "for"), enter(secretary, "against"))
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_two_approvals_of_one_works_at_once(world):
    from gongzhi.committees import works as works_services
    from gongzhi.committees.models import Works, WorksStep
    from gongzhi.committees.tests.helpers import committee_in_term

    leader, secretary = world.a.users["leader"], world.a.users["neighbourhood"]
    committee = committee_in_term(world.a)
    works = works_services.create_works(
        actor=secretary,
        committee=committee,
        title="地下车库照明改造",
        contractor="上海明亮电气工程有限公司",
        amount="32000",
        funding="public_income",
        proposed_on=dt.date(2026, 4, 1),
    )

    def approve(user):
        return lambda: works_services.approve(actor=user, works=works, on=dt.date(2026, 4, 3))

    outcomes = race(approve(leader), approve(secretary))
    assert sorted(outcomes) == ["invalid_transition", "ok"]
    assert Works.objects.get(pk=works.pk).status == "approved"
    assert WorksStep.objects.filter(works=works, action="approve").count() == 1


def test_two_staff_registering_the_same_annual_audit_at_once(world):
    from gongzhi.committees.models import Audit
    from gongzhi.committees.tests.helpers import committee_in_term

    leader = world.a.users["leader"]
    committee = committee_in_term(world.a)

    def register(firm):
        return lambda: services.record_audit(
            actor=leader,
            committee=committee,
            kind="annual",
            year=2025,
            firm=firm,
            done_on=dt.date(2026, 4, 1),
        )

    outcomes = race(register("甲事务所"), register("乙事务所"))
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Audit.objects.filter(committee=committee, kind="annual", year=2025).count() == 1


def test_two_change_orders_above_the_line_at_once_one_waits_for_review(world):
    from gongzhi.committees import works as works_services
    from gongzhi.committees.models import WorksChange
    from gongzhi.committees.tests.helpers import committee_in_term

    leader, secretary = world.a.users["leader"], world.a.users["neighbourhood"]
    committee = committee_in_term(world.a)
    works = works_services.create_works(
        actor=secretary,
        committee=committee,
        title="小区雨污水管道改造",
        contractor="上海市政管网工程有限公司",
        amount="186500",
        funding="public_income",
        proposed_on=dt.date(2026, 4, 1),
    )
    works = works_services.review_price(
        actor=secretary, works=works, firm="造价所", reviewed_amount="172300", on=dt.date(2026, 4, 5)
    )

    def change(user, amount):
        return lambda: works_services.change_budget(
            actor=user,
            works=works,
            amount=amount,
            reason="增加管道",
            attachment_name="BG",
            on=dt.date(2026, 4, 6),
        )

    outcomes = race(change(leader, "240000"), change(secretary, "250000"))
    assert sorted(outcomes) == ["invalid", "ok"]
    assert WorksChange.objects.filter(works=works).count() == 1
