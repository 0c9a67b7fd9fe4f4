"""The live signing figure, counted exactly: signed (or agreed) certificates over eligible ones,
the gap to the round's threshold in certificates, the daily curve and the first-day figure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction


def reached(done: int, eligible: int, threshold: Decimal, strict: bool) -> bool:
    """Whether done/eligible meets the threshold percentage (exact integer arithmetic)."""
    if eligible <= 0:
        return False
    share = Fraction(threshold) / 100
    left, right = done * share.denominator, share.numerator * eligible
    return left > right if strict else left >= right


def needed(eligible: int, threshold: Decimal, strict: bool) -> int:
    """The fewest certificates that meet the threshold: ⌈s·E⌉, or ⌊s·E⌋ + 1 for "more than"."""
    exact = Fraction(threshold) / 100 * eligible
    floor = exact.numerator // exact.denominator
    if strict:
        return floor + 1
    return floor if exact.denominator == 1 else floor + 1


def gap(done: int, eligible: int, threshold: Decimal, strict: bool) -> int:
    """How many more certificates the round needs (0 once reached)."""
    return max(0, needed(eligible, threshold, strict) - done)


def percent(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.01'))}%"


@dataclass
class Figure:
    eligible: int
    done: int
    threshold: Decimal
    strict: bool
    curve: list[tuple[dt.date, int]] = field(default_factory=list)  # cumulative per day
    first_day: int = 0

    @property
    def reached(self) -> bool:
        return reached(self.done, self.eligible, self.threshold, self.strict)

    @property
    def gap(self) -> int:
        return gap(self.done, self.eligible, self.threshold, self.strict)

    @property
    def percent(self) -> str:
        return percent(self.done, self.eligible)

    @property
    def first_day_percent(self) -> str:
        return percent(self.first_day, self.eligible)

    @property
    def width(self) -> str:
        """The bar's width for a page (display only)."""
        return "0" if not self.eligible else f"{min(100, 100 * self.done / self.eligible):.1f}"
