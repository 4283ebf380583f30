"""How payment receipts read in the inbox (online and in-store payments share them)."""

from __future__ import annotations

import pytest

from easypay.notification.messages import render

pytestmark = pytest.mark.no_database

DATA = {
    "merchant": "별다방",
    "item_name": "아메리카노",
    "amount": 4500,
    "tid": "T0000000000000000001",
    "channel": "POS",
    "method": "MONEY",
}


class TestPaymentMessages:
    def test_paid(self) -> None:
        assert render("payment.paid", DATA, "ko") == (
            "별다방에서 4,500원을 결제했어요",
            "아메리카노 · 거래번호 T0000000000000000001",
        )
        title, body = render("payment.paid", DATA, "en")
        assert title == "You paid 별다방 4,500 KRW"
        assert "아메리카노" in body

    def test_canceled(self) -> None:
        title, body = render("payment.canceled", {**DATA, "amount": 1500}, "ko")
        assert title == "별다방 결제 1,500원이 취소됐어요"
        assert "T0000000000000000001" in body
        title, _ = render("payment.canceled", {**DATA, "amount": 1500}, "en")
        assert title == "별다방 canceled 1,500 KRW of your payment"

    def test_missing_facts_read_as_a_question_mark(self) -> None:
        assert render("payment.paid", {}, "ko")[0] == "?에서 ?원을 결제했어요"
