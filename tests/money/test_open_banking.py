"""The HTTP bank gateway against the sandbox bank on a live server (real HTTP, real sockets).

The test settings give the gateway a 2 s timeout; timeout faults delay the bank by 3 s.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

import httpx
import pytest

from easypay.money.gateway import BankAccountNotFound, BankUnavailable
from easypay.money.open_banking import OpenBankingGateway
from tests.sandbox.bank import builders

LATE_BY = 3.0


@pytest.fixture
async def gateway(live_server, settings):
    bank = OpenBankingGateway(
        f"{live_server.url}/sandbox/bank", settings.bank_api_token, settings.bank_timeout_seconds
    )
    yield bank
    await bank.aclose()


async def _wait_for_balance(database, account, expected, within=5.0):
    """Poll without asking the bank about the transfer (that would cancel a late arrival)."""
    deadline = time.monotonic() + within
    while (balance := await builders.balance_of(database, account)) != expected:
        if time.monotonic() > deadline:
            return balance
        await asyncio.sleep(0.1)
    return balance


class TestInquiries:
    async def test_real_name(self, gateway, database):
        account = await builders.customer_account(database, holder_name="이서연")
        name = await gateway.real_name("088", account.account_number, builders.BIRTH_DATE)
        assert name == "이서연"

    async def test_real_name_of_an_unknown_account(self, gateway):
        with pytest.raises(BankAccountNotFound):
            await gateway.real_name("088", "110000000000", builders.BIRTH_DATE)

    async def test_real_name_with_the_wrong_birth_date(self, gateway, database):
        account = await builders.customer_account(database)
        with pytest.raises(BankAccountNotFound):
            await gateway.real_name("088", account.account_number, date(2001, 1, 1))

    async def test_real_name_when_the_bank_declines(self, gateway, database):
        account = await builders.customer_account(database)
        await builders.fault(database, "realname", "decline")
        with pytest.raises(BankUnavailable):
            await gateway.real_name("088", account.account_number, builders.BIRTH_DATE)

    async def test_accounts_balance_and_transactions(self, gateway, database):
        account = await builders.customer_account(
            database, balance=80_000, customer_id="+821098765432"
        )
        await builders.customer_account(database, customer_id="+821000000000")
        accounts = await gateway.accounts_of("+821098765432")
        assert [(a.bank_code, a.account_number, a.holder_name) for a in accounts] == [
            ("088", account.account_number, "김민준")
        ]
        outcome = await gateway.withdraw("GQ1", "088", account.account_number, 30_000, "충전")
        assert outcome.outcome == "ok"
        assert await gateway.balance("088", account.account_number) == 50_000
        history = await gateway.transactions("088", account.account_number)
        assert [(t.bank_tran_id, t.direction, t.amount, t.balance_after) for t in history] == [
            ("GQ1", "out", 30_000, 50_000),
            ("", "in", 80_000, 80_000),
        ]
        assert history[0].memo == "충전"
        assert history[0].at.tzinfo is not None
        with pytest.raises(BankAccountNotFound):
            await gateway.balance("088", "110000000000")


class TestWithdraw:
    async def test_ok(self, gateway, database):
        account = await builders.customer_account(database, balance=100_000)
        outcome = await gateway.withdraw("GW1", "088", account.account_number, 40_000, "충전")
        assert (outcome.outcome, outcome.bank_tran_id, outcome.bank_result_code) == (
            "ok",
            "GW1",
            "000",
        )
        assert await builders.balance_of(database, account) == 60_000
        assert await builders.corporate_balance(database) == 40_000

    async def test_insufficient_balance_is_declined(self, gateway, database):
        account = await builders.customer_account(database, balance=10_000)
        outcome = await gateway.withdraw("GW2", "088", account.account_number, 10_001, "충전")
        assert (outcome.outcome, outcome.result_code, outcome.bank_result_code) == (
            "declined",
            "A0002",
            "551",
        )
        assert outcome.message
        assert await builders.balance_of(database, account) == 10_000

    async def test_the_same_id_twice_moves_money_once(self, gateway, database):
        account = await builders.customer_account(database, balance=100_000)
        first = await gateway.withdraw("GW3", "088", account.account_number, 25_000, "충전")
        second = await gateway.withdraw("GW3", "088", account.account_number, 25_000, "충전")
        assert first == second
        assert first.outcome == "ok"
        assert await builders.balance_of(database, account) == 75_000
        assert await builders.corporate_balance(database) == 25_000

    async def test_ten_concurrent_duplicates_move_money_once(self, gateway, database):
        account = await builders.customer_account(database, balance=100_000)
        outcomes = await asyncio.gather(
            *(
                gateway.withdraw("GW4", "088", account.account_number, 10_000, "충전")
                for _ in range(10)
            )
        )
        assert {outcome.outcome for outcome in outcomes} == {"ok"}
        assert await builders.balance_of(database, account) == 90_000
        assert await builders.corporate_balance(database) == 10_000

    async def test_twenty_concurrent_withdrawals_never_overdraw(self, gateway, database):
        account = await builders.customer_account(database, balance=70_000)
        outcomes = await asyncio.gather(
            *(
                gateway.withdraw(f"GW5-{n}", "088", account.account_number, 10_000, "충전")
                for n in range(20)
            )
        )
        results = sorted(outcome.outcome for outcome in outcomes)
        assert results == ["declined"] * 13 + ["ok"] * 7
        assert await builders.balance_of(database, account) == 0
        assert await builders.corporate_balance(database) == 70_000

    async def test_a_decline_fault(self, gateway, database):
        account = await builders.customer_account(database, balance=100_000)
        await builders.fault(database, "withdraw", "decline", account_number=account.account_number)
        outcome = await gateway.withdraw("GW6", "088", account.account_number, 1_000, "충전")
        assert (outcome.outcome, outcome.bank_result_code) == ("declined", "999")
        assert (await gateway.transfer_result("GW6")).outcome == "declined"
        assert await builders.balance_of(database, account) == 100_000


class TestUnclearAnswers:
    async def test_timeout_is_unknown_and_the_result_inquiry_tells_the_truth(
        self, gateway, database
    ):
        account = await builders.customer_account(database, balance=100_000)
        await builders.fault(database, "withdraw", "timeout", delay_seconds=LATE_BY)
        started = time.monotonic()
        outcome = await gateway.withdraw("GT1", "088", account.account_number, 30_000, "충전")
        assert outcome.outcome == "unknown"
        assert time.monotonic() - started < LATE_BY  # the gateway gave up before the bank
        # The bank finishes the withdrawal late; only then is it asked.
        assert await _wait_for_balance(database, account, 70_000) == 70_000
        truth = await gateway.transfer_result("GT1")
        assert (truth.outcome, truth.bank_result_code) == ("ok", "000")
        assert await builders.corporate_balance(database) == 30_000

    async def test_an_inquiry_before_a_late_arrival_cancels_it(self, gateway, database):
        account = await builders.customer_account(database, balance=100_000)
        await builders.fault(database, "withdraw", "timeout", delay_seconds=LATE_BY)
        outcome = await gateway.withdraw("GT2", "088", account.account_number, 30_000, "충전")
        assert outcome.outcome == "unknown"
        verdict = await gateway.transfer_result("GT2")  # the withdrawal is still on its way
        assert (verdict.outcome, verdict.bank_result_code) == ("declined", "831")
        await asyncio.sleep(LATE_BY - 1.0)  # the late arrival is refused meanwhile
        assert await _wait_for_balance(database, account, 70_000, within=0.5) == 100_000
        assert await builders.corporate_balance(database) == 0
        assert (await gateway.transfer_result("GT2")).outcome == "declined"
        retry = await gateway.withdraw("GT2", "088", account.account_number, 30_000, "충전")
        assert (retry.outcome, retry.bank_result_code) == ("declined", "830")
        assert await builders.balance_of(database, account) == 100_000

    async def test_fail_after_success_is_unknown_and_the_inquiry_says_ok(self, gateway, database):
        account = await builders.customer_account(database, balance=100_000)
        await builders.fault(database, "withdraw", "fail_after_success")
        outcome = await gateway.withdraw("GT3", "088", account.account_number, 20_000, "충전")
        assert outcome.outcome == "unknown"
        truth = await gateway.transfer_result("GT3")
        assert truth.outcome == "ok"
        assert await builders.balance_of(database, account) == 80_000
        again = await gateway.withdraw("GT3", "088", account.account_number, 20_000, "충전")
        assert again.outcome == "ok"
        assert await builders.balance_of(database, account) == 80_000

    async def test_an_id_the_bank_never_saw(self, gateway):
        verdict = await gateway.transfer_result("GT4")
        assert (verdict.outcome, verdict.bank_tran_id, verdict.bank_result_code) == (
            "declined",
            "GT4",
            "831",
        )

    async def test_an_unreachable_bank(self, settings):
        bank = OpenBankingGateway("http://127.0.0.1:9", settings.bank_api_token, 1.0)
        try:
            outcome = await bank.withdraw("GT5", "088", "110123456789", 1_000, "충전")
            assert outcome.outcome == "unknown"
            assert (await bank.transfer_result("GT5")).outcome == "unknown"
            with pytest.raises(BankUnavailable):
                await bank.real_name("088", "110123456789", builders.BIRTH_DATE)
        finally:
            await bank.aclose()


class TestDeposit:
    async def test_pays_from_the_corporate_account(self, gateway, database):
        payer = await builders.customer_account(database, balance=100_000)
        payee = await builders.customer_account(database, balance=5_000, holder_name="이서연")
        await gateway.withdraw("GD0", "088", payer.account_number, 50_000, "충전")
        outcome = await gateway.deposit("GD1", "088", payee.account_number, 30_000, "출금")
        assert (outcome.outcome, outcome.bank_result_code) == ("ok", "000")
        assert await builders.balance_of(database, payee) == 35_000
        assert await builders.corporate_balance(database) == 20_000
        short = await gateway.deposit("GD2", "088", payee.account_number, 30_000, "출금")
        assert (short.outcome, short.bank_result_code) == ("declined", "552")
        assert await builders.balance_of(database, payee) == 35_000
        assert await builders.corporate_balance(database) == 20_000


class TestAuthorisation:
    async def test_a_wrong_token_is_refused(self, live_server, database):
        account = await builders.customer_account(database, balance=100_000)
        url = f"{live_server.url}/sandbox/bank"
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.post(
                "/v2.0/transfer/withdraw/acnt_num",
                json=builders.transfer_body(account, "GA1", 1_000),
                headers={"Authorization": "Bearer not-the-token"},
            )
        assert response.status_code == 401
        assert response.json()["rsp_code"] == "O0001"
        bank = OpenBankingGateway(url, "not-the-token", 2.0)
        try:
            outcome = await bank.withdraw("GA2", "088", account.account_number, 1_000, "충전")
            assert outcome.outcome == "unknown"
            with pytest.raises(BankUnavailable):
                await bank.real_name("088", account.account_number, builders.BIRTH_DATE)
        finally:
            await bank.aclose()
        assert await builders.balance_of(database, account) == 100_000


def _gateway_answering(handler) -> OpenBankingGateway:
    return OpenBankingGateway(
        "http://bank.test", "secret-token", 2.0, transport=httpx.MockTransport(handler)
    )


@pytest.mark.no_database
class TestGarbledAnswers:
    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(200, text="<html>gateway error</html>"),
            httpx.Response(200, json=["not", "an", "object"]),
            httpx.Response(200, json={"no": "rsp_code"}),
            httpx.Response(200, json={"rsp_code": "A0000", "bank_tran_id": "OTHER"}),
            httpx.Response(200, json={"rsp_code": "A0001", "bank_tran_id": "GG1"}),
            httpx.Response(502, text="Bad Gateway"),
            httpx.Response(400, json={"rsp_code": "A0003", "rsp_message": "bad"}),
        ],
    )
    async def test_anything_unclear_is_unknown(self, response):
        bank = _gateway_answering(lambda request: response)
        try:
            outcome = await bank.withdraw("GG1", "088", "110123456789", 1_000, "충전")
            assert outcome.outcome == "unknown"
            assert (await bank.transfer_result("GG1")).outcome == "unknown"
        finally:
            await bank.aclose()

    async def test_sends_the_token_and_never_logs_it(self, caplog):
        seen = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request.headers["authorization"])
            return httpx.Response(503, text="down")

        bank = _gateway_answering(handler)
        try:
            with caplog.at_level("DEBUG"):
                await bank.deposit("GG2", "088", "110123456789", 1_000, "출금")
        finally:
            await bank.aclose()
        assert seen == ["Bearer secret-token"]
        assert "secret-token" not in caplog.text
        assert "secret-token" not in repr(bank)
        assert "110123456789" not in caplog.text
