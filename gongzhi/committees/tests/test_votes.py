"""Owners' votes: the base from the registry, ballots checked against it, the result."""

import datetime as dt

import pytest

from gongzhi.committees import services
from gongzhi.committees.models import Ballot, OwnersVote, VoteState
from gongzhi.committees.tests.helpers import dwellings
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.testing.images import metadata_of, not_an_image, photo_with_gps

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def setup(world):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    # 9 dwellings: five of 60 ㎡, three of 200 ㎡, one of 100 ㎡ = 1,000 ㎡
    homes = dwellings(world.a.estate, ["60"] * 5 + ["200"] * 3 + ["100"])
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="选举第一届业委会",
        matter="election",
        opens_on=D(2026, 3, 1),
        closes_on=D(2026, 3, 10),
    )
    return leader, committee, homes, vote


def cast(leader, vote, home, choice, **extra):
    return services.cast_ballot(
        actor=leader,
        vote=vote,
        dwelling=home,
        voter_name=home.owner_name,
        choice=choice,
        on=D(2026, 3, 5),
        **extra,
    )


def test_the_base_comes_from_the_dwellings_registry(setup):
    _leader, _committee, _homes, vote = setup
    assert vote.eligible_count == 9 and vote.eligible_area == 1000
    assert (vote.quorum, vote.pass_share, vote.pass_strict) == ("2/3", "1/2", True)


def test_small_flats_win_by_headcount_and_lose_by_area(setup):
    leader, _committee, homes, vote = setup
    for home in homes[:5]:
        cast(leader, vote, home, "for")
    for home in homes[5:8]:
        cast(leader, vote, home, "against")
    vote = services.close_vote(actor=leader, vote=vote)
    assert vote.state == VoteState.CLOSED
    assert vote.result["valid"] and vote.result["passed_by_count"]
    assert not vote.result["passed_by_area"] and not vote.result["passed"]


def test_major_matter_takes_three_quarters_by_default(setup):
    leader, committee, _homes, _vote = setup
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="使用维修资金更换电梯",
        matter="major",
        opens_on=D(2026, 3, 1),
        closes_on=D(2026, 3, 10),
    )
    assert (vote.quorum, vote.pass_share, vote.pass_strict) == ("2/3", "3/4", False)


def test_bad_ballots_are_refused_and_nothing_is_written(setup, world):
    leader, _committee, homes, vote = setup
    home = homes[0]
    cases = [
        dict(voter_name="王五", choice="for", on=D(2026, 3, 5)),  # not the owner
        dict(voter_name=home.owner_name, choice="for", floor_area="60.01", on=D(2026, 3, 5)),  # more area
        dict(voter_name=home.owner_name, choice="for", on=D(2026, 2, 28)),  # before the vote opens
        dict(voter_name=home.owner_name, choice="maybe", on=D(2026, 3, 5)),
        dict(voter_name=home.owner_name, choice="for", paper=True, on=D(2026, 3, 5)),  # paper without photo
    ]
    for kwargs in cases:
        with pytest.raises(DomainError):
            services.cast_ballot(actor=leader, vote=vote, dwelling=home, **kwargs)
    other = dwellings(world.b.estate, ["80"])[0]
    with pytest.raises(DomainError, match="不在本物业管理区域"):
        cast(leader, vote, other, "for")
    with pytest.raises(NotAllowed):
        cast(world.b.users["leader"], vote, home, "for")
    assert not Ballot.objects.exists()


def test_paper_ballot_with_photo_and_no_second_ballot(setup):
    leader, _committee, homes, vote = setup
    ballot = cast(leader, vote, homes[0], "for", paper=True, photo=photo_with_gps("ballot.jpg"))
    assert ballot.paper and ballot.photo and ballot.floor_area == 60
    ballot.photo.open("rb")
    assert metadata_of(ballot.photo.read())["gps"] == {}  # re-encoded, the position dropped
    assert not ballot.photo.name.endswith("ballot.jpg")
    with pytest.raises(Conflict):
        cast(leader, vote, homes[0], "against")
    services.close_vote(actor=leader, vote=vote)
    with pytest.raises(DomainError):
        cast(leader, vote, homes[1], "for")
    assert OwnersVote.objects.get(pk=vote.pk).result["voted_count"] == 1


def test_a_ballot_photo_that_is_not_an_image_is_refused_and_nothing_written(setup):
    leader, _committee, homes, vote = setup
    with pytest.raises(DomainError, match="不是有效的图片"):
        cast(leader, vote, homes[0], "for", paper=True, photo=not_an_image("ballot.jpg"))
    assert not Ballot.objects.exists()
