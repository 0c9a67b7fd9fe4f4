"""Quorum and majority, computed exactly (fractions, no floats) from rules kept as data.

Hand-worked examples (research note §4): the 村民委员会组织法 asks for more than half of the
members (81 members → 41 present), or at least two thirds of the household representatives
(528 households → 352); a decision needs more than half of those present.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction

from gongzhi.participation.models import Majority


def quorum_required(
    *, eligible: int, numerator: int, denominator: int, strict: bool, minimum: int = 0
) -> int:
    """The smallest attendance that satisfies the rule: more than (strict) or at least the
    fraction of `eligible`, and never below `minimum`."""
    share = Fraction(numerator, denominator) * eligible
    needed = math.floor(share) + 1 if strict else math.ceil(share)
    return max(needed, minimum, 1 if eligible else minimum)


def passes(*, majority: str, yes: int, no: int, abstain: int, present: int, eligible: int) -> bool:
    if majority == Majority.PRESENT:
        return 2 * yes > present
    if majority == Majority.CAST:
        return yes > no
    if majority == Majority.MEMBERS:
        return 2 * yes > eligible
    if majority == Majority.TWO_THIRDS:
        return 3 * yes >= 2 * present and yes > 0
    raise ValueError(f"unknown majority rule {majority!r}")


@dataclass(frozen=True)
class Outcome:
    present: int
    eligible: int
    quorum_required: int
    quorum_met: bool
    passed: bool
    rule: dict

    def snapshot(self) -> dict:
        return asdict(self)


def decide(*, meeting, majority: str, yes: int, no: int, abstain: int, present: int) -> Outcome:
    """The result of a vote at `meeting` as the rule stands now (stored with the motion)."""
    required = quorum_required(
        eligible=meeting.eligible,
        numerator=meeting.quorum_numerator,
        denominator=meeting.quorum_denominator,
        strict=meeting.quorum_strict,
        minimum=meeting.quorum_min,
    )
    met = present >= required
    ok = met and passes(
        majority=majority, yes=yes, no=no, abstain=abstain, present=present, eligible=meeting.eligible
    )
    rule = {
        "base": meeting.quorum_base,
        "fraction": f"{meeting.quorum_numerator}/{meeting.quorum_denominator}",
        "strict": meeting.quorum_strict,
        "minimum": meeting.quorum_min,
        "majority": majority,
    }
    return Outcome(present, meeting.eligible, required, met, ok, rule)
