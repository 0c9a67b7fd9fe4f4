"""The signing ratio and the gap to the threshold, exact on every count."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.renewal.progress import Figure, gap, needed, reached


def test_hand_worked_thresholds():
    # 385 certificates at 85%: 327.25 → 328 needed; at 92.99% on day one (358) it is reached
    assert needed(385, Decimal("85"), False) == 328
    assert reached(358, 385, Decimal("85"), False)
    assert not reached(327, 385, Decimal("85"), False) and reached(328, 385, Decimal("85"), False)
    # round one's "more than 90%": 90 of 100 is not enough, 91 is
    assert needed(100, Decimal("90"), True) == 91
    assert not reached(90, 100, Decimal("90"), True) and reached(91, 100, Decimal("90"), True)
    # 100% signing
    assert needed(400, Decimal("100"), False) == 400
    assert gap(368, 400, Decimal("100"), False) == 32


def test_the_figure_reads_as_people_expect():
    figure = Figure(eligible=400, done=368, threshold=Decimal("85"), strict=False, first_day=300)
    assert figure.percent == "92.00%" and figure.reached and figure.gap == 0
    assert figure.first_day_percent == "75.00%"


@settings(max_examples=500, deadline=None)
@given(
    eligible=st.integers(min_value=1, max_value=5000),
    done_share=st.fractions(min_value=0, max_value=1),
    hundredths=st.integers(min_value=1, max_value=10000),
    strict=st.booleans(),
)
def test_needed_is_the_fewest_that_reach(eligible, done_share, hundredths, strict):
    threshold = Decimal(hundredths) / 100
    if strict and hundredths == 10000:
        return
    done = int(done_share * eligible)
    share = Fraction(hundredths, 10000)
    expected = Fraction(done, eligible) > share if strict else Fraction(done, eligible) >= share
    assert reached(done, eligible, threshold, strict) == expected
    n = needed(eligible, threshold, strict)
    assert reached(n, eligible, threshold, strict)
    assert not reached(n - 1, eligible, threshold, strict)
    assert gap(done, eligible, threshold, strict) == max(0, n - done)
