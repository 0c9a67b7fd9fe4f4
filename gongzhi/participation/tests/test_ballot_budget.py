"""Budget ballots (预算票决, knapsack; issue 15): each candidate has a cost, a voter picks any
candidates whose costs fit in the ballot's total; the result goes down the ranking by votes and
recommends what still fits in the budget."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.cases.models import OutboundMessage, PhoneCode
from gongzhi.core.errors import DomainError
from gongzhi.participation import services
from gongzhi.participation.models import Ballot, BallotChoice, BallotOption, BallotVote
from gongzhi.participation.tests.helpers import code_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 18)
# 自治金 50 万元: 加装电梯 30 万, 口袋公园 20 万, 充电桩 15 万, 适老化改造 10 万.
CANDIDATES = (("加装电梯", "300000"), ("口袋公园", "200000"), ("充电桩", "150000"), ("适老化改造", "100000"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def budget_ballot(world, *, limit="500000", candidates=CANDIDATES, open_it=True):
    leader = world.a.users["leader"]
    ballot = services.create_ballot(
        actor=leader,
        area=world.a.subdistrict,
        title="2027年自治金项目预算票决",
        budget_limit=limit,
        opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=10),
    )
    for title, cost in candidates:
        services.add_option(actor=leader, ballot=ballot, title=title, budget=cost)
    if open_it:
        services.act_on_ballot(actor=leader, ballot=ballot, action="open")
    return Ballot.objects.get(pk=ballot.pk)


def vote(world, ballot, phone, titles, minutes=0):
    at = NOW + dt.timedelta(minutes=minutes)
    code = code_for(world, phone, services.vote_purpose(ballot.ref), now=at)
    ids = list(ballot.options.filter(title__in=titles).values_list("pk", flat=True))
    return services.cast_vote(ballot=ballot, phone=phone, code=code, option_ids=ids, now=at)


def test_a_voter_picks_within_the_budget_and_over_it_is_refused(world):
    ballot = budget_ballot(world)
    vote(world, ballot, "13700000001", ["加装电梯", "口袋公园"])  # 50 万: exactly the budget
    vote(world, ballot, "13700000002", ["口袋公园", "充电桩", "适老化改造"])  # 45 万, three picks
    with pytest.raises(DomainError, match="超过了本次票决的预算总额") as refused:
        vote(world, ballot, "13700000003", ["加装电梯", "充电桩", "适老化改造"])  # 55 万
    assert refused.value.field == "options"
    ballot.refresh_from_db()
    assert ballot.voters == 2 == BallotVote.objects.filter(ballot=ballot).count()


def test_a_budget_ballot_needs_a_cost_for_every_candidate_and_more_than_the_budget_to_open(world):
    ballot = budget_ballot(world, candidates=CANDIDATES[:2], open_it=False)  # 50 万 = the budget
    with pytest.raises(DomainError, match="须超过预算总额"):
        services.act_on_ballot(actor=world.a.users["leader"], ballot=ballot, action="open")
    with pytest.raises(DomainError, match="都要填写预算"):
        services.add_option(actor=world.a.users["leader"], ballot=ballot, title="楼道照明")
    services.add_option(actor=world.a.users["leader"], ballot=ballot, title="楼道照明", budget="8000")
    services.act_on_ballot(actor=world.a.users["leader"], ballot=ballot, action="open")
    assert Ballot.objects.get(pk=ballot.pk).status == "open"


@pytest.mark.parametrize("limit", ["0", "-5", "abc", "1e12", "NaN"])
def test_a_bad_budget_total_is_refused_and_nothing_is_made(world, limit):
    with pytest.raises(DomainError, match="预算总额"):
        budget_ballot(world, limit=limit, open_it=False)
    assert not Ballot.objects.exists()


def test_the_result_funds_down_the_ranking_while_the_budget_lasts(world):
    ballot = budget_ballot(world)
    vote(world, ballot, "13700000001", ["加装电梯", "充电桩"])
    vote(world, ballot, "13700000002", ["加装电梯", "适老化改造"])
    vote(world, ballot, "13700000003", ["口袋公园", "充电桩", "适老化改造"])
    vote(world, ballot, "13700000004", ["加装电梯"])
    # 加装电梯 3 (30 万, funded), 充电桩 2 + 适老化改造 2 (25 万 together: 45 > 50 - 30 = 20, but
    # each alone fits: tied, neither funded), 口袋公园 1 (20 万 fits in the 20 万 left: funded).
    leader = world.a.users["leader"]
    services.act_on_ballot(actor=leader, ballot=ballot, action="close")
    ranked = {r.option.title: r for r in services.result(Ballot.objects.get(pk=ballot.pk))}
    assert ranked["加装电梯"].recommended and ranked["口袋公园"].recommended
    assert ranked["充电桩"].tied_at_line and ranked["适老化改造"].tied_at_line
    assert not ranked["充电桩"].recommended and not ranked["适老化改造"].recommended


def test_a_candidate_too_dear_for_what_is_left_is_passed_over_for_a_cheaper_one(world):
    ballot = budget_ballot(world)
    vote(world, ballot, "13700000001", ["加装电梯", "口袋公园"])
    vote(world, ballot, "13700000002", ["加装电梯", "充电桩"])
    vote(world, ballot, "13700000003", ["充电桩", "适老化改造"])
    vote(world, ballot, "13700000004", ["加装电梯"])
    # 加装电梯 3 (funded, 20 万 left), 充电桩 2 (15 万, funded, 5 万 left), 口袋公园 1 and
    # 适老化改造 1 (20 + 10 万, neither fits in 5 万: no tie flag, simply not funded).
    ranked = {r.option.title: r for r in services.result(Ballot.objects.get(pk=ballot.pk))}
    assert [t for t, r in ranked.items() if r.recommended] == ["加装电梯", "充电桩"]
    assert not any(r.tied_at_line for r in ranked.values())


def test_the_pages_and_the_api_show_the_budget(world):
    ballot = budget_ballot(world)
    page = Client().get(reverse("participation:public_ballot", args=[ballot.ref])).content.decode()
    assert "预算合计不能超过 500000.00 元" in page
    client = Client()
    client.force_login(world.a.users["leader"])
    assert (
        'id="budget-rule"' in client.get(reverse("participation:ballot", args=[ballot.pk])).content.decode()
    )
    client.post(
        reverse("participation:ballot_new"),
        {
            "title": "微更新预算票决",
            "area": world.a.subdistrict.pk,
            "pick": "1",
            "budget_limit": "80000",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + dt.timedelta(days=5)).isoformat(),
        },
    )
    assert Ballot.objects.get(title="微更新预算票决").budget_limit == Decimal("80000")
    from gongzhi.participation.tests.test_api import auth

    got = client.get(f"/api/participation/ballots/{ballot.pk}", **auth(world.a.users["leader"])).json()
    assert got["budget_limit"] == 500000.0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.sets(st.integers(0, 3), min_size=1), min_size=1, max_size=6))
def test_no_accepted_vote_is_over_budget_and_the_funded_fit(world, picks):
    BallotChoice.objects.all().delete()
    BallotVote.objects.all().delete()
    Ballot.objects.all().delete()
    PhoneCode.objects.all().delete()
    OutboundMessage.objects.all().delete()
    ballot = budget_ballot(world)
    titles = [t for t, _ in CANDIDATES]
    for n, chosen in enumerate(picks):
        with contextlib.suppress(DomainError):
            vote(world, ballot, f"137{n:08d}", [titles[i] for i in chosen], minutes=2 * n)
    for v in BallotVote.objects.filter(ballot=ballot):
        assert sum(c.option.budget for c in v.choices.select_related("option")) <= ballot.budget_limit
    for option in BallotOption.objects.filter(ballot=ballot):
        assert option.votes == BallotChoice.objects.filter(option=option).count()
    funded = [r for r in services.result(Ballot.objects.get(pk=ballot.pk)) if r.recommended]
    assert sum(r.option.budget for r in funded) <= ballot.budget_limit


def test_the_demo_opens_a_budget_ballot(world):
    from gongzhi.participation import demo

    demo._budget_ballot(world.a.subdistrict, world.a.users["leader"], NOW)
    ballot = Ballot.objects.get(budget_limit__isnull=False)
    assert ballot.status == "open" and ballot.options.count() == 5
