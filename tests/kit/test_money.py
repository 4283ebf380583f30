"""Money helpers: the Money value, basis points, rounding to a step, exact splits."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from easypay.kit.money import (
    Money,
    apply_basis_points,
    format_krw,
    round_up_to_step,
    split_by_weights,
    split_evenly,
)

pytestmark = pytest.mark.no_database

amounts = st.integers(min_value=0, max_value=10**15)
signed_amounts = st.integers(min_value=-(10**15), max_value=10**15)


class TestMoney:
    def test_adds_and_subtracts_in_one_currency(self):
        assert Money(1_000) + Money(250) == Money(1_250)
        assert Money(1_000) - Money(250) == Money(750)

    def test_refuses_to_mix_currencies(self):
        with pytest.raises(ValueError, match="KRW"):
            Money(1_000) + Money(1_000, "USD")
        with pytest.raises(ValueError, match="KRW"):
            Money(1_000) - Money(1_000, "USD")

    def test_is_immutable(self):
        money = Money(1_000)
        with pytest.raises(AttributeError):
            money.amount = 2_000  # type: ignore[misc]

    def test_formats_won_with_separators(self):
        assert Money(10_000).format() == "10,000원"
        assert format_krw(1_234_567) == "1,234,567원"
        assert format_krw(0) == "0원"
        assert Money(1_234, "USD").format() == "1,234 USD"


class TestApplyBasisPoints:
    @pytest.mark.parametrize(
        ("amount", "basis_points", "expected"),
        [
            (10_000, 250, 250),  # 2.5 %
            (1_000, 330, 33),  # 33.0
            (15, 3_333, 5),  # 4.9995 → 5
            (1, 5_000, 1),  # 0.5 rounds half up
            (3, 1_666, 0),  # 0.4998 rounds down
            (1_999, 10_000, 1_999),  # 100 %
            (12_345, 0, 0),
            (0, 250, 0),
        ],
    )
    def test_known_values(self, amount, basis_points, expected):
        assert apply_basis_points(amount, basis_points) == expected

    @given(amount=amounts, basis_points=st.integers(min_value=0, max_value=10_000))
    def test_rounds_half_up_to_the_nearest_unit(self, amount, basis_points):
        exact = Fraction(amount * basis_points, 10_000)
        result = apply_basis_points(amount, basis_points)
        assert exact - Fraction(1, 2) < result <= exact + Fraction(1, 2)

    @given(amount=amounts, basis_points=st.integers(min_value=0, max_value=10_000))
    def test_never_exceeds_the_amount(self, amount, basis_points):
        assert 0 <= apply_basis_points(amount, basis_points) <= amount


class TestRoundUpToStep:
    @pytest.mark.parametrize(
        ("amount", "expected"), [(1, 10_000), (10_000, 10_000), (10_001, 20_000), (0, 0)]
    )
    def test_rounds_shortfalls_up_to_ten_thousand(self, amount, expected):
        assert round_up_to_step(amount, 10_000) == expected

    @given(amount=amounts, step=st.integers(min_value=1, max_value=100_000))
    def test_is_the_smallest_multiple_not_below(self, amount, step):
        result = round_up_to_step(amount, step)
        assert result % step == 0
        assert amount <= result < amount + step


class TestSplitEvenly:
    def test_earlier_parts_take_the_remainder(self):
        assert split_evenly(10, 3) == [4, 3, 3]
        assert split_evenly(2, 4) == [1, 1, 0, 0]

    def test_refuses_no_parts(self):
        with pytest.raises(ValueError, match="positive"):
            split_evenly(100, 0)

    @given(total=signed_amounts, parts=st.integers(min_value=1, max_value=200))
    def test_parts_add_up_exactly_and_differ_by_at_most_one(self, total, parts):
        result = split_evenly(total, parts)
        assert len(result) == parts
        assert sum(result) == total
        assert max(result) - min(result) <= 1


class TestSplitByWeights:
    def test_splits_in_proportion(self):
        assert split_by_weights(100, [1, 1, 1]) == [34, 33, 33]
        assert split_by_weights(1_000, [7_000, 3_000]) == [700, 300]
        assert split_by_weights(10, [0, 5]) == [0, 10]

    def test_largest_remainder_gets_the_extra_unit(self):
        # exact shares 3.3, 3.3, 3.4 → the third has the largest remainder
        assert split_by_weights(10, [33, 33, 34]) == [3, 3, 4]

    @pytest.mark.parametrize("weights", [[], [0, 0], [3, -1]])
    def test_refuses_weights_without_a_positive_sum(self, weights):
        with pytest.raises(ValueError, match="weights"):
            split_by_weights(100, weights)

    @given(
        total=signed_amounts,
        weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(
            lambda ws: sum(ws) > 0
        ),
    )
    def test_parts_add_up_exactly_and_stay_within_one_of_the_exact_share(self, total, weights):
        result = split_by_weights(total, weights)
        assert len(result) == len(weights)
        assert sum(result) == total
        weight_sum = sum(weights)
        for part, weight in zip(result, weights, strict=True):
            exact = Fraction(total * weight, weight_sum)
            assert abs(part - exact) < 1
            if weight == 0:
                assert part == 0
