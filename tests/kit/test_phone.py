"""Phone numbers: Korean local forms become E.164; anything not dialable is refused."""

from __future__ import annotations

import pytest

from easypay.kit.phone import InvalidPhoneNumber, display_phone, normalize_phone

pytestmark = pytest.mark.no_database


class TestNormalizePhone:
    @pytest.mark.parametrize(
        "raw",
        [
            "010-1234-5678",
            "01012345678",
            "010 1234 5678",
            "(010) 1234-5678",
            "+82 10-1234-5678",
            "+82-10-1234-5678",
            "+821012345678",
            "０１０-１２３４-５６７８",  # full-width digits, as some Korean keyboards send
        ],
    )
    def test_korean_mobile_forms_become_e164(self, raw):
        assert normalize_phone(raw) == "+821012345678"

    def test_seoul_landline(self):
        assert normalize_phone("02-123-4567") == "+8221234567"

    def test_foreign_number_in_international_form(self):
        assert normalize_phone("+1 650-253-0000") == "+16502530000"

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "abc",
            "phone",
            "010-1234",
            "1234",
            "010-1234-56789-0",
            "+82 99 1234 5678",
            "0" * 33,
            "010-1234-5678" + " " * 30,
        ],
    )
    def test_junk_is_refused(self, raw):
        with pytest.raises(InvalidPhoneNumber):
            normalize_phone(raw)


class TestDisplayPhone:
    def test_korean_numbers_read_in_local_form(self):
        assert display_phone("+821012345678") == "010-1234-5678"

    def test_other_numbers_read_in_international_form(self):
        assert display_phone("+16502530000") == "+1 650-253-0000"
