"""Quorum and majority against hand-worked examples from the research note."""

from types import SimpleNamespace

import pytest

from gongzhi.participation import quorum


@pytest.mark.parametrize(
    ("eligible", "num", "den", "strict", "minimum", "required"),
    [
        (81, 1, 2, True, 0, 41),  # more than half of 81 members
        (80, 1, 2, True, 0, 41),  # more than half of 80: 40 is not enough
        (528, 2, 3, False, 0, 352),  # at least two thirds of 528 households (瞿溪路1200弄)
        (529, 2, 3, False, 0, 353),
        (30, 1, 2, True, 20, 20),  # the minimum number wins over the fraction
        (9, 1, 2, True, 0, 5),
    ],
)
def test_quorum_required(eligible, num, den, strict, minimum, required):
    got = quorum.quorum_required(
        eligible=eligible, numerator=num, denominator=den, strict=strict, minimum=minimum
    )
    assert got == required


@pytest.mark.parametrize(
    ("majority", "yes", "no", "abstain", "present", "eligible", "passed"),
    [
        ("present", 21, 10, 10, 41, 81, True),  # 21 of 41 present: more than half
        ("present", 20, 10, 11, 41, 81, False),  # abstentions count against "of those present"
        ("cast", 20, 10, 11, 41, 81, True),
        ("members", 40, 1, 0, 41, 81, False),  # 40 of 81 members is not more than half
        ("members", 41, 0, 0, 41, 81, True),
        ("two_thirds", 28, 14, 0, 42, 81, True),  # exactly two thirds
        ("two_thirds", 27, 15, 0, 42, 81, False),
    ],
)
def test_majority(majority, yes, no, abstain, present, eligible, passed):
    assert (
        quorum.passes(majority=majority, yes=yes, no=no, abstain=abstain, present=present, eligible=eligible)
        is passed
    )


def test_no_decision_without_quorum_and_the_rule_is_snapshotted():
    meeting = SimpleNamespace(
        eligible=81,
        quorum_numerator=1,
        quorum_denominator=2,
        quorum_strict=True,
        quorum_min=0,
        quorum_base="members",
    )
    outcome = quorum.decide(meeting=meeting, majority="present", yes=40, no=0, abstain=0, present=40)
    assert not outcome.quorum_met and not outcome.passed and outcome.quorum_required == 41
    assert outcome.snapshot()["rule"] == {
        "base": "members",
        "fraction": "1/2",
        "strict": True,
        "minimum": 0,
        "majority": "present",
    }
