"""The string table: complete in both languages, used keys all exist, errors read well."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from easypay.errors import InvalidInput
from easypay.identity.errors import WrongPin
from easypay.money.errors import BankDeclined, HolderNameMismatch
from easypay.transfer.errors import SharesDoNotAddUp, TransferLimitExceeded
from easypay.web.i18n import ERROR_MESSAGES, MESSAGES, code_label, error_text, translate

pytestmark = pytest.mark.no_database

WEB = Path(__file__).resolve().parents[2] / "src" / "easypay" / "web"
TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
PYTHON_KEY = re.compile(r"""(?:translate|error_page)\([^)]*?["']([a-z]+\.[a-z0-9_.]+)["']""")


# Keys the templates build from a prefix and a value.
BUILT_KEYS = [
    f"{prefix}.{suffix}"
    for prefix, suffixes in {
        "charge": ("title", "lead", "submit"),
        "withdraw": ("title", "lead", "submit"),
        "history.status": ("processing", "canceled", "completed"),
        "operation.title": ("charge", "withdrawal"),
        "operation.completed": ("charge", "withdrawal"),
        "sessions.kind": ("web", "api"),
        "admin.status": ("active", "suspended"),
        "lang": ("ko", "en"),
        "notice": ("signed_out", "pin_set", "linked", "user_updated", "transfer_sent"),
        "transfer.status": ("sent", "received", "declined", "canceled", "returned"),
        "transfer.outcome": ("received", "declined", "canceled", "returned"),
        "bank_transfer.status": ("completed", "failed", "requested", "unknown"),
        "send.to": ("friend", "phone", "bank"),
        "requests.kind": ("request", "dutch"),
        "requests.status": ("open", "closed"),
        "requests.item": ("pending", "paid", "declined"),
        "requests.you": ("paid", "declined"),
        "code": ("transfer", "bank_transfer", "request_payment"),
    }.items()
    for suffix in suffixes
]


def used_keys() -> set[str]:
    keys = set(BUILT_KEYS)
    for template in (WEB / "templates").rglob("*.html"):
        keys.update(TEMPLATE_KEY.findall(template.read_text()))
    for module in WEB.rglob("*.py"):
        keys.update(PYTHON_KEY.findall(module.read_text()))
    return {key for key in keys if not key.endswith(".")}


class TestTable:
    def test_every_key_a_page_uses_exists(self) -> None:
        missing = sorted(key for key in used_keys() if key not in MESSAGES)
        assert missing == []

    def test_both_languages_have_the_same_placeholders(self) -> None:
        for key, (korean, english) in MESSAGES.items():
            names = [
                {f for _, f, _, _ in string.Formatter().parse(text) if f}
                for text in (korean, english)
            ]
            assert names[0] == names[1], key
            assert korean, key
            assert english, key

    def test_korean_is_the_default(self) -> None:
        assert translate("signin.title", "ko") == "로그인"
        assert translate("signin.title", "en") == "Sign in"
        assert translate("home.greeting", "ko", name="김민준") == "김민준님, 안녕하세요"

    def test_a_missing_key_shows_itself(self) -> None:
        assert translate("no.such.key", "ko") == "no.such.key"

    def test_transfer_codes_have_names(self) -> None:
        assert code_label("charge", "ko") == "충전"
        assert code_label("withdrawal", "en") == "Withdrawal"
        assert code_label("payment_refund", "ko") == "payment_refund"


class TestErrorText:
    def test_known_codes_are_korean(self) -> None:
        assert error_text(BankDeclined(), "ko").startswith("은행이 요청을 거절했습니다")
        assert "본인 명의" in error_text(HolderNameMismatch(), "ko")

    def test_english_keeps_the_services_sentence(self) -> None:
        error = WrongPin("The payment PIN is wrong. 3 tries left before payments lock.")
        assert error_text(error, "en") == error.detail

    def test_tries_left_carry_over_to_korean(self) -> None:
        error = WrongPin("The payment PIN is wrong. 3 tries left before payments lock.")
        assert (
            error_text(error, "ko") == "결제 비밀번호가 틀렸습니다. 3번 더 틀리면 결제가 잠깁니다."
        )

    def test_validation_sentences_are_translated(self) -> None:
        assert error_text(InvalidInput("Phone number: not a phone number."), "ko") == (
            "휴대폰 번호를 올바르게 입력해 주세요."
        )
        assert "Something odd" in error_text(InvalidInput("Something odd."), "ko")

    def test_transfer_limits_name_the_limit(self) -> None:
        once = TransferLimitExceeded("One transfer may send at most 2,000,000 KRW.")
        daily = TransferLimitExceeded("You may send at most 5,000,000 KRW a day.")
        assert error_text(once, "ko").endswith("한 번에 최대 2,000,000원까지 보낼 수 있습니다.")
        assert error_text(daily, "ko").endswith("하루에 최대 5,000,000원까지 보낼 수 있습니다.")
        assert error_text(daily, "en") == daily.detail

    def test_shares_that_do_not_add_up_say_by_how_much(self) -> None:
        error = SharesDoNotAddUp("The shares add up to 25,000 KRW, not 30,000 KRW.")
        assert (
            error_text(error, "ko") == "나눈 금액의 합(25,000원)이 총액(30,000원)과 맞지 않습니다."
        )

    def test_every_translated_code_is_korean(self) -> None:
        for code, (korean, _) in ERROR_MESSAGES.items():
            assert re.search("[가-힣]", korean), code
