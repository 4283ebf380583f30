"""Card number helpers: the Luhn check, expiry, masking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from easypay.card.numbers import expired, expiry_valid, luhn_valid, mask, normalize_number
from easypay.sandbox.card.service import PUBLISHED_CARDS

pytestmark = pytest.mark.no_database


class TestLuhn:
    @pytest.mark.parametrize("number", [card.number for card in PUBLISHED_CARDS])
    def test_every_published_test_card_is_valid(self, number: str) -> None:
        assert luhn_valid(number)

    @pytest.mark.parametrize(
        "number",
        ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"],
    )
    def test_well_known_test_numbers_are_valid(self, number: str) -> None:
        assert luhn_valid(number)

    @pytest.mark.parametrize(
        "number",
        [
            "4111111111111112",  # one digit off
            "44444444440",  # too short (the Luhn sum alone would pass)
            "44444444444444444444",  # too long (the Luhn sum alone would pass)
            "4111-1111-1111-1111",  # separators are normalised before, not here
            "",
            "٤١١١١١١١١١١١١١١١",  # non-ASCII digits of 4111 1111 1111 1111
        ],
    )
    def test_invalid_numbers(self, number: str) -> None:
        assert not luhn_valid(number)

    def test_separators_are_dropped(self) -> None:
        assert normalize_number("4111-1111 1111\t1111") == "4111111111111111"


class TestExpiry:
    @pytest.mark.parametrize("expiry", ["0130", "1299"])
    def test_valid(self, expiry: str) -> None:
        assert expiry_valid(expiry)

    @pytest.mark.parametrize("expiry", ["0030", "1330", "123", "12/30", "abcd", ""])
    def test_invalid(self, expiry: str) -> None:
        assert not expiry_valid(expiry)

    def test_good_through_the_last_day_of_the_month_in_korea(self) -> None:
        # 2031-12-31 23:00 KST is 14:00 UTC; 2032-01-01 00:30 KST is 15:30 UTC on Dec 31.
        assert not expired("1231", datetime(2031, 12, 31, 14, 0, tzinfo=UTC))
        assert expired("1231", datetime(2031, 12, 31, 15, 30, tzinfo=UTC))


def test_mask_shows_the_bin_and_the_last_four() -> None:
    assert mask("949012", "0012") == "9490-12**-****-0012"
