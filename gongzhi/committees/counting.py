"""The double majority (双过半 / 双三分之二 / 双四分之三), counted exactly.

民法典 §278 and 上海市住宅物业管理规定: a vote is valid when owners holding at least the quorum
share of the whole exclusive area AND at least the quorum share of all owners take part (2/3 and
2/3 by default); it passes when the owners in favour hold more than half (or, for major matters,
at least three quarters) of the area that voted AND are more than half (three quarters) of the
owners who voted. Headcount is one per dwelling (一个专有部分按一人计算). Every comparison is on
integers (areas in hundredths of a square metre, shares as fractions): no float ever decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext as _

from gongzhi.core.errors import DomainError

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"

# matter -> (quorum, pass share, pass strictly more than the share)
DEFAULT_THRESHOLDS: dict[str, tuple[str, str, bool]] = {
    "election": ("2/3", "1/2", True),
    "ordinary": ("2/3", "1/2", True),
    "major": ("2/3", "3/4", False),
}


def thresholds_for(matter: str) -> tuple[str, str, bool]:
    """The deployment's thresholds for a matter (settings.GONGZHI_VOTE_THRESHOLDS overrides)."""
    table = {**DEFAULT_THRESHOLDS, **getattr(settings, "GONGZHI_VOTE_THRESHOLDS", {})}
    if matter not in table:
        raise DomainError(_("未知的表决事项类别。"))
    return table[matter]


def parse_share(text: str) -> Fraction:
    """ "2/3" -> Fraction(2, 3); a share must lie in (0, 1]."""
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise DomainError(_("比例“%(text)s”无效，请写成如 2/3 的分数。") % {"text": text}) from None
    if not 0 < value <= 1:
        raise DomainError(_("比例须大于 0 且不超过 1。"))
    return value


def cents(area: Decimal | int | str) -> int:
    """An area as whole hundredths of a square metre (exact)."""
    value = Decimal(str(area)) * 100
    if value != value.to_integral_value():
        raise DomainError(_("面积最多保留两位小数。"))
    return int(value)


def at_least(part: int, whole: int, share: Fraction) -> bool:
    return part * share.denominator >= share.numerator * whole


def more_than(part: int, whole: int, share: Fraction) -> bool:
    return part * share.denominator > share.numerator * whole


@dataclass(frozen=True)
class Tally:
    eligible_area: int  # hundredths of ㎡
    eligible_count: int
    voted_area: int
    voted_count: int
    for_area: int
    for_count: int
    against_area: int
    against_count: int
    valid: bool  # quorum reached by area and by headcount
    valid_by_area: bool
    valid_by_count: bool
    passed_by_area: bool
    passed_by_count: bool
    passed: bool

    def as_dict(self) -> dict:
        return asdict(self)


def tally(
    *,
    eligible_area: int,
    eligible_count: int,
    ballots: Iterable[tuple[int, str]],
    quorum: Fraction,
    pass_share: Fraction,
    pass_strict: bool = True,
) -> Tally:
    """Count `ballots` ((area in hundredths, choice) per dwelling) against the eligible base."""
    if eligible_area <= 0 or eligible_count <= 0:
        raise DomainError(_("全体业主的面积和人数须大于零。"))
    voted_area = voted_count = for_area = for_count = against_area = against_count = 0
    for area, choice in ballots:
        if area <= 0:
            raise DomainError(_("选票面积须大于零。"))
        voted_area += area
        voted_count += 1
        if choice == FOR:
            for_area += area
            for_count += 1
        elif choice == AGAINST:
            against_area += area
            against_count += 1
        elif choice != ABSTAIN:
            raise DomainError(_("选票意见无效。"))
    if voted_area > eligible_area or voted_count > eligible_count:
        raise DomainError(_("参与表决的面积或人数超过了全体业主。"))
    valid_by_area = at_least(voted_area, eligible_area, quorum)
    valid_by_count = at_least(voted_count, eligible_count, quorum)
    passes = more_than if pass_strict else at_least
    passed_by_area = voted_area > 0 and passes(for_area, voted_area, pass_share)
    passed_by_count = voted_count > 0 and passes(for_count, voted_count, pass_share)
    valid = valid_by_area and valid_by_count
    return Tally(
        eligible_area=eligible_area,
        eligible_count=eligible_count,
        voted_area=voted_area,
        voted_count=voted_count,
        for_area=for_area,
        for_count=for_count,
        against_area=against_area,
        against_count=against_count,
        valid=valid,
        valid_by_area=valid_by_area,
        valid_by_count=valid_by_count,
        passed_by_area=passed_by_area,
        passed_by_count=passed_by_count,
        passed=valid and passed_by_area and passed_by_count,
    )


def percent(part: int, whole: int) -> str:
    """A share for display only ("66.67%"), rounded half up to two places."""
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))
    return f"{value}%"
