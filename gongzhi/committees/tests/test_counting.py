"""The double majority on hand-worked examples and against a brute-force count."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.committees.counting import ABSTAIN, AGAINST, FOR, cents, parse_share, tally
from gongzhi.core.errors import DomainError

TWO_THIRDS, HALF, THREE_QUARTERS = Fraction(2, 3), Fraction(1, 2), Fraction(3, 4)


def count(ballots, *, eligible_area, eligible_count, share=HALF, strict=True):
    return tally(
        eligible_area=eligible_area,
        eligible_count=eligible_count,
        ballots=ballots,
        quorum=TWO_THIRDS,
        pass_share=share,
        pass_strict=strict,
    )


def test_passes_by_headcount_but_fails_by_area():
    # 9 dwellings, 1,000.00 ㎡. Eight vote (900 ㎡): quorum met both ways (8/9, 90%).
    # Five small flats (5 × 60 ㎡) for, three large ones (3 × 200 ㎡) against:
    # headcount 5/8 > 1/2, but area 300/900 = 1/3, not more than half.
    ballots = [(cents(60), FOR)] * 5 + [(cents(200), AGAINST)] * 3
    result = count(ballots, eligible_area=cents(1000), eligible_count=9)
    assert result.valid
    assert result.passed_by_count and not result.passed_by_area
    assert not result.passed


def test_passes_by_area_but_fails_by_headcount():
    ballots = [(cents(300), FOR)] * 2 + [(cents(50), AGAINST)] * 4
    result = count(ballots, eligible_area=cents(900), eligible_count=6)
    assert result.passed_by_area and not result.passed_by_count and not result.passed


def test_exactly_two_thirds_turnout_is_enough_and_one_less_is_not():
    # 3 owners of 100 ㎡ each: 2 voting is exactly 2/3 by both measures.
    assert count([(cents(100), FOR)] * 2, eligible_area=cents(300), eligible_count=3).valid
    # 200.00 of 300.01 ㎡ is just under 2/3 by area.
    below = count([(cents(100), FOR)] * 2, eligible_area=cents("300.01"), eligible_count=3)
    assert below.valid_by_count and not below.valid_by_area and not below.passed


def test_exactly_half_for_is_not_more_than_half():
    ballots = [(cents(100), FOR), (cents(100), AGAINST)]
    result = count(ballots, eligible_area=cents(300), eligible_count=3)
    assert result.valid and not result.passed


def test_abstentions_count_as_voting_not_in_favour():
    ballots = [(cents(100), FOR), (cents(100), FOR), (cents(100), ABSTAIN), (cents(100), ABSTAIN)]
    result = count(ballots, eligible_area=cents(400), eligible_count=4)
    assert result.voted_count == 4 and not result.passed  # 2/4 is not more than half


def test_major_matter_three_quarters_reached_exactly():
    ballots = [(cents(100), FOR)] * 3 + [(cents(100), AGAINST)]
    result = count(ballots, eligible_area=cents(400), eligible_count=4, share=THREE_QUARTERS, strict=False)
    assert result.passed
    short = count(
        [(cents(100), FOR)] * 3 + [(cents("100.01"), AGAINST)],
        eligible_area=cents("400.01"),
        eligible_count=4,
        share=THREE_QUARTERS,
        strict=False,
    )
    assert short.passed_by_count and not short.passed_by_area


def test_bad_shares_and_areas_are_refused():
    for text in ("0", "3/2", "abc", "1/0"):
        with pytest.raises(DomainError):
            parse_share(text)
    with pytest.raises(DomainError):
        cents("10.005")
    with pytest.raises(DomainError):
        count([(cents(500), FOR)], eligible_area=cents(100), eligible_count=1)


ballot = st.tuples(st.integers(min_value=1, max_value=30000), st.sampled_from([FOR, AGAINST, ABSTAIN]))


@settings(max_examples=300, deadline=None)
@given(
    ballots=st.lists(ballot, max_size=40),
    absent=st.lists(st.integers(min_value=1, max_value=30000), max_size=20),
    quorum=st.fractions(min_value=Fraction(1, 100), max_value=1),
    share=st.fractions(min_value=Fraction(1, 100), max_value=1),
    strict=st.booleans(),
)
def test_tally_agrees_with_a_brute_force_count_in_fractions(ballots, absent, quorum, share, strict):
    if not ballots and not absent:
        return
    eligible_area = sum(a for a, _c in ballots) + sum(absent)
    eligible_count = len(ballots) + len(absent)
    result = tally(
        eligible_area=eligible_area,
        eligible_count=eligible_count,
        ballots=ballots,
        quorum=quorum,
        pass_share=share,
        pass_strict=strict,
    )
    voted_area = Fraction(sum(a for a, _c in ballots))
    voted_count = Fraction(len(ballots))
    for_area = Fraction(sum(a for a, c in ballots if c == FOR))
    for_count = Fraction(sum(1 for _a, c in ballots if c == FOR))
    valid = voted_area / eligible_area >= quorum and voted_count / eligible_count >= quorum

    def ok(part, whole):
        if not whole:
            return False
        return part / whole > share if strict else part / whole >= share

    assert result.valid == valid
    assert result.passed == (valid and ok(for_area, voted_area) and ok(for_count, voted_count))
    assert result.for_area + result.against_area <= result.voted_area <= result.eligible_area
