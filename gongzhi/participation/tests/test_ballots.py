"""民生实事票决 (ballots): set-up, one vote per verified phone, paper votes, the ranked result with
ties at the line named, the pages (staff and the public phone page), scope, the race of one
phone voting twice at once, and a property test of the tally."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.cases.models import OutboundMessage, PhoneCode
from gongzhi.core.errors import DomainError, NotAllowed, NotFound
from gongzhi.participation import selectors, services
from gongzhi.participation.models import Ballot, BallotChoice, BallotOption, BallotVote, Entry
from gongzhi.participation.tests.helpers import code_for
from gongzhi.registry.validators import FieldError

NOW = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
TODAY = dt.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_ballot(
    world, *, pick=2, options=("加装电梯", "口袋公园", "充电桩", "适老化改造"), side="a", open_it=True
):
    s = getattr(world, side)
    ballot = services.create_ballot(
        actor=s.users["leader"],
        area=s.subdistrict,
        title="2027年民生实事项目票决",
        pick=pick,
        opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=10),
    )
    for title in options:
        services.add_option(actor=s.users["leader"], ballot=ballot, title=title, budget="200000")
    if open_it:
        services.act_on_ballot(actor=s.users["leader"], ballot=ballot, action="open")
    return Ballot.objects.get(pk=ballot.pk)


def vote(world, ballot, phone, titles, minutes=0):
    """A code sent and a vote cast `minutes` after NOW (a phone gets a new code after a minute)."""
    at = NOW + dt.timedelta(minutes=minutes)
    code = code_for(world, phone, services.vote_purpose(ballot.ref), now=at)
    ids = list(ballot.options.filter(title__in=titles).values_list("pk", flat=True))
    return services.cast_vote(ballot=ballot, phone=phone, code=code, option_ids=ids, now=at)


def test_a_ballot_needs_more_candidates_than_picks_to_open(world):
    ballot = make_ballot(world, pick=2, options=("加装电梯", "口袋公园"), open_it=False)
    with pytest.raises(DomainError, match="差额票决"):
        services.act_on_ballot(actor=world.a.users["leader"], ballot=ballot, action="open")
    services.add_option(actor=world.a.users["leader"], ballot=ballot, title="充电桩")
    services.act_on_ballot(actor=world.a.users["leader"], ballot=ballot, action="open")
    assert Ballot.objects.get(pk=ballot.pk).status == "open"
    with pytest.raises(DomainError, match="投票已开始"):
        services.add_option(actor=world.a.users["leader"], ballot=ballot, title="晚到的")


def test_bad_set_up_is_refused_with_the_field(world):
    leader = world.a.users["leader"]
    base = {"actor": leader, "area": world.a.subdistrict, "title": "票决", "opens_on": TODAY}
    with pytest.raises(FieldError) as refused:
        services.create_ballot(**base, closes_on=TODAY - dt.timedelta(days=1))
    assert refused.value.field == "closes_on"
    with pytest.raises(FieldError) as refused:
        services.create_ballot(**base, closes_on=TODAY, pick=0)
    assert refused.value.field == "pick"
    with pytest.raises(NotAllowed):
        services.create_ballot(**{**base, "actor": world.a.users["gridworker"]}, closes_on=TODAY)
    with pytest.raises(NotAllowed):
        services.create_ballot(**{**base, "area": world.b.subdistrict}, closes_on=TODAY)
    assert not Ballot.objects.exists()


def test_one_vote_per_phone_at_most_pick_choices_and_a_second_vote_changes_nothing(world):
    ballot = make_ballot(world)
    vote(world, ballot, "13700000001", ["加装电梯", "充电桩"])
    with pytest.raises(DomainError) as again:
        vote(world, ballot, "13700000001", ["口袋公园"], minutes=2)
    assert again.value.code == "already_voted"
    with pytest.raises(FieldError, match="最多选 2 项"):
        vote(world, ballot, "13700000002", ["加装电梯", "充电桩", "口袋公园"])
    with pytest.raises(FieldError, match="至少选择一个"):
        vote(world, ballot, "13700000003", [])
    code = code_for(world, "13700000004", services.vote_purpose(ballot.ref))
    with pytest.raises(FieldError, match="验证码"):
        services.cast_vote(
            ballot=ballot,
            phone="13700000004",
            code="000000" if code != "000000" else "111111",
            option_ids=[ballot.options.first().pk],
        )
    ballot.refresh_from_db()
    assert ballot.voters == 1 == BallotVote.objects.count()
    assert {o.title: o.votes for o in ballot.options.all()} == {
        "加装电梯": 1,
        "口袋公园": 0,
        "充电桩": 1,
        "适老化改造": 0,
    }


def test_options_of_another_ballot_are_refused(world):
    ballot = make_ballot(world)
    other = make_ballot(world, side="b")
    code = code_for(world, "13700000001", services.vote_purpose(ballot.ref))
    with pytest.raises(FieldError, match="不属于本次票决"):
        services.cast_vote(
            ballot=ballot, phone="13700000001", code=code, option_ids=[other.options.first().pk]
        )
    assert not BallotVote.objects.exists()


def test_no_vote_outside_the_period_or_once_closed(world):
    ballot = make_ballot(world)
    with pytest.raises(DomainError, match="不在投票期内"):
        vote(world, ballot, "13700000001", ["加装电梯"], minutes=11 * 24 * 60)
    services.act_on_ballot(actor=world.a.users["leader"], ballot=ballot, action="close")
    with pytest.raises(DomainError, match="不在投票期内"):
        vote(world, ballot, "13700000002", ["加装电梯"])
    assert not BallotVote.objects.exists()


def test_paper_votes_are_added_and_checked_and_the_result_ranks_with_ties_named(world):
    leader = world.a.users["leader"]
    ballot = make_ballot(world, pick=2)
    vote(world, ballot, "13700000001", ["加装电梯", "充电桩"])
    vote(world, ballot, "13700000002", ["加装电梯", "口袋公园"])
    vote(world, ballot, "13700000003", ["充电桩"])
    with pytest.raises(DomainError, match="截止后"):
        services.record_paper_votes(actor=leader, ballot=ballot, ballots_counted=1, counts={})
    services.act_on_ballot(actor=leader, ballot=ballot, action="close")
    ids = {o.title: o.pk for o in ballot.options.all()}
    with pytest.raises(FieldError, match="多于纸质选票张数"):
        services.record_paper_votes(
            actor=leader, ballot=ballot, ballots_counted=2, counts={ids["口袋公园"]: 3}
        )
    with pytest.raises(FieldError, match="之和超过"):
        services.record_paper_votes(
            actor=leader,
            ballot=ballot,
            ballots_counted=2,
            counts={ids["口袋公园"]: 2, ids["适老化改造"]: 2, ids["加装电梯"]: 1},
        )
    assert not BallotOption.objects.filter(paper_votes__gt=0).exists()  # nothing half-written
    services.record_paper_votes(
        actor=leader, ballot=ballot, ballots_counted=2, counts={ids["口袋公园"]: 1, ids["适老化改造"]: 2}
    )
    ballot.refresh_from_db()
    ranked = services.result(ballot)
    # 加装电梯 2, 充电桩 2, 口袋公园 1+1 = 2, 适老化改造 0+2 = 2: four tied across the line of two
    assert [r.total for r in ranked] == [2, 2, 2, 2]
    assert all(r.tied_at_line and not r.recommended for r in ranked)
    services.record_paper_votes(
        actor=leader, ballot=ballot, ballots_counted=2, counts={ids["口袋公园"]: 2, ids["加装电梯"]: 1}
    )
    ballot.refresh_from_db()
    ranked = services.result(ballot)
    assert [(r.option.title, r.total, r.rank, r.recommended) for r in ranked] == [
        ("加装电梯", 3, 1, True),
        ("口袋公园", 3, 1, True),
        ("充电桩", 2, 3, False),
        ("适老化改造", 0, 4, False),
    ]
    assert ranked[0].share == pytest.approx(3 / 5)
    services.act_on_ballot(actor=leader, ballot=ballot, action="publish")
    ballot.refresh_from_db()
    assert ballot.status == "published" and ballot.published_at == NOW
    assert Entry.objects.filter(subject="ballot", subject_id=ballot.pk, action="publish").count() == 1


def test_scope_of_ballots(world):
    ballot = make_ballot(world)
    assert ballot in selectors.ballots_for(world.a.users["gridworker"])  # subdistrict-wide, seen below
    assert ballot not in selectors.ballots_for(world.b.users["leader"])
    assert ballot not in selectors.ballots_for(world.a.users["handler"])
    with pytest.raises(NotFound):
        selectors.ballot_for(world.b.users["leader"], ballot.pk)
    with pytest.raises(NotAllowed):
        services.act_on_ballot(actor=world.a.users["gridworker"], ballot=ballot, action="close")


def test_staff_pages_set_up_open_close_enter_paper_and_publish(client, world):
    client.force_login(world.a.users["leader"])
    assert client.get(reverse("participation:ballots")).status_code == 200
    response = client.post(
        reverse("participation:ballot_new"),
        {
            "title": "2027年民生实事项目票决",
            "area": world.a.subdistrict.pk,
            "pick": "1",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    url = reverse("participation:ballot_act", args=[ballot.pk])
    for title in ("加装电梯", "口袋公园"):
        client.post(url, {"action": "option", "title": title, "budget": "150000"})
    assert ballot.options.count() == 2
    client.post(url, {"action": "open"})
    vote(world, Ballot.objects.get(pk=ballot.pk), "13700000001", ["口袋公园"])
    client.post(url, {"action": "close"})
    ids = {o.title: o.pk for o in ballot.options.all()}
    bad = client.post(url, {"action": "paper", "paper_ballots": "x"}, follow=True)
    assert "纸质选票张数应为" in bad.content.decode()
    client.post(
        url,
        {
            "action": "paper",
            "paper_ballots": "3",
            f"paper-{ids['加装电梯']}": "1",
            f"paper-{ids['口袋公园']}": "2",
        },
    )
    client.post(url, {"action": "publish"})
    page = client.get(reverse("participation:ballot", args=[ballot.pk])).content.decode()
    assert 'id="ballot-result"' in page and "推荐" in page
    public = Client().get(reverse("participation:public_ballot", args=[ballot.ref])).content.decode()
    assert 'id="public-result"' in public and "口袋公园 — 3" in public
    outsider = Client()
    outsider.force_login(world.b.users["leader"])
    assert outsider.get(reverse("participation:ballot", args=[ballot.pk])).status_code == 404
    gridworker = Client()
    gridworker.force_login(world.a.users["gridworker"])
    gridworker.post(url, {"action": "cancel"})
    assert Ballot.objects.get(pk=ballot.pk).status == "published"


def test_the_public_phone_page_votes_with_a_code_and_refuses_a_second_vote(client, world):
    ballot = make_ballot(world, pick=1)
    page = client.get(reverse("participation:public_ballot", args=[ballot.ref]))
    assert page.status_code == 200 and 'id="vote-form"' in page.content.decode()
    sent = client.post(
        reverse("participation:public_ballot_code", args=[ballot.ref]), {"phone": "13700000009"}
    )
    assert "验证码已发送" in sent.content.decode()
    from gongzhi.cases import phonecodes

    code = phonecodes.last_code_for("13700000009", services.vote_purpose(ballot.ref))
    option = ballot.options.get(title="口袋公园")
    voted = client.post(
        reverse("participation:public_ballot", args=[ballot.ref]),
        {"phone": "13700000009", "code": code, "option": [str(option.pk)]},
    )
    assert voted.status_code == 200 and 'id="voted"' in voted.content.decode()
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        code = code_for(world, "13700000009", services.vote_purpose(ballot.ref))
        again = client.post(
            reverse("participation:public_ballot", args=[ballot.ref]),
            {"phone": "13700000009", "code": code, "option": [str(option.pk)]},
        )
    assert again.status_code == 409 and "已经投过票" in again.content.decode()
    assert BallotVote.objects.count() == 1
    draft = make_ballot(world, open_it=False)
    assert client.get(reverse("participation:public_ballot", args=[draft.ref])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_one_phone_voting_twice_at_once_counts_once(world):
    ballot = make_ballot(world, pick=1)
    purpose = services.vote_purpose(ballot.ref)
    code = code_for(world, "13700000001", purpose)
    option = ballot.options.first()
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            services.cast_vote(ballot=ballot, phone="13700000001", code=code, option_ids=[option.pk])
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("ok") == 1 and len(outcomes) == 2
    assert BallotVote.objects.count() == 1 and BallotOption.objects.get(pk=option.pk).votes == 1
    assert Ballot.objects.get(pk=ballot.pk).voters == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    votes=st.lists(st.lists(st.integers(0, 4), min_size=0, max_size=4), min_size=1, max_size=8),
    pick=st.integers(1, 3),
)
def test_the_tally_always_equals_the_choices_and_no_vote_exceeds_pick(world, votes, pick):
    BallotChoice.objects.all().delete()
    BallotVote.objects.all().delete()
    Ballot.objects.all().delete()
    PhoneCode.objects.all().delete()  # each example starts with no codes sent today
    OutboundMessage.objects.all().delete()
    ballot = make_ballot(world, pick=pick, options=("甲", "乙", "丙", "丁", "戊"))
    ids = list(ballot.options.values_list("pk", flat=True))
    accepted = 0
    for n, choice in enumerate(votes):
        phone = f"137{n % 3:08d}"  # phones repeat: a repeat is refused
        at = NOW + dt.timedelta(minutes=2 * n)
        code = code_for(world, phone, services.vote_purpose(ballot.ref), now=at)
        try:
            services.cast_vote(
                ballot=ballot, phone=phone, code=code, option_ids=[ids[i] for i in choice], now=at
            )
            accepted += 1
        except DomainError:
            pass
    ballot.refresh_from_db()
    assert ballot.voters == accepted == BallotVote.objects.filter(ballot=ballot).count()
    for option in ballot.options.all():
        assert option.votes == BallotChoice.objects.filter(option=option).count()
    for v in BallotVote.objects.filter(ballot=ballot):
        assert 1 <= v.choices.count() <= pick
    assert (
        sum(r.total for r in services.result(ballot))
        == BallotChoice.objects.filter(vote__ballot=ballot).count()
    )
