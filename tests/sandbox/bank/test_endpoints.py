"""The sandbox bank's HTTP API, through the ASGI app (mounted at /sandbox/bank)."""

from __future__ import annotations

import asyncio

import pytest

from easypay.sandbox.bank.service import CORPORATE_ACCOUNT_NUMBER, CORPORATE_BANK_CODE
from tests.sandbox.bank import builders
from tests.sandbox.bank.builders import BASE, auth, transfer_body

ENVELOPE = {"api_tran_id", "api_tran_dtm", "rsp_code", "rsp_message"}
BANK_LAYER = {"bank_tran_id", "bank_code_std", "bank_rsp_code", "bank_rsp_message"}


class TestAuthorisation:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic sandbox-token"}],
    )
    async def test_refuses_a_call_without_the_token(self, client, database, headers):
        account = await builders.customer_account(database, balance=10_000)
        response = await client.post(
            f"{BASE}/v2.0/transfer/withdraw/acnt_num",
            json=transfer_body(account, "T401", 1_000),
            headers=headers,
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        assert body.keys() >= ENVELOPE
        assert body["rsp_code"] == "O0001"
        assert await builders.balance_of(database, account) == 10_000

    async def test_admin_api_needs_the_token_too(self, client):
        response = await client.post(
            f"{BASE}/_sandbox/faults", json={"operation": "any", "mode": "decline"}
        )
        assert response.status_code == 401


class TestRealName:
    async def test_answers_the_holder_name(self, client, database, settings):
        account = await builders.customer_account(database)
        response = await client.post(
            f"{BASE}/v2.0/inquiry/real_name",
            json={
                "bank_tran_id": "Q1",
                "bank_code_std": account.bank_code,
                "account_num": account.account_number,
                "account_holder_info": "900517",
            },
            headers=auth(settings),
        )
        assert response.status_code == 200
        body = response.json()
        assert body.keys() >= ENVELOPE | BANK_LAYER
        assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0000", "000")
        assert body["bank_tran_id"] == "Q1"
        assert body["account_holder_name"] == "김민준"
        assert body["bank_name"] == "신한은행"

    @pytest.mark.parametrize(
        ("account_num", "holder_info", "bank_rsp_code"),
        [("999999999999", "900517", "412"), ("SELF", "010101", "815")],
    )
    async def test_unknown_account_or_wrong_birth_date_is_refused(
        self, client, database, settings, account_num, holder_info, bank_rsp_code
    ):
        account = await builders.customer_account(database)
        response = await client.post(
            f"{BASE}/v2.0/inquiry/real_name",
            json={
                "bank_code_std": "088",
                "account_num": account.account_number if account_num == "SELF" else account_num,
                "account_holder_info": holder_info,
            },
            headers=auth(settings),
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0002", bank_rsp_code)
        assert body["bank_tran_id"]  # one is made up when the caller sends none
        assert "account_holder_name" not in body

    async def test_malformed_request_is_a_400_in_the_envelope(self, client, settings):
        response = await client.post(
            f"{BASE}/v2.0/inquiry/real_name",
            json={"bank_code_std": "88", "account_num": "12ab", "account_holder_info": "x"},
            headers=auth(settings),
        )
        assert response.status_code == 400
        body = response.json()
        assert body["rsp_code"] == "A0003"
        assert "account_num" in body["rsp_message"]


class TestAccountInquiries:
    async def test_lists_a_customers_accounts(self, client, database, settings):
        first = await builders.customer_account(database, customer_id="+821011112222")
        second = await builders.customer_account(
            database, bank_code="004", customer_id="+821011112222"
        )
        await builders.customer_account(database, customer_id="+821033334444")
        response = await client.get(
            f"{BASE}/v2.0/account/list",
            params={"customer_id": "+821011112222"},
            headers=auth(settings),
        )
        body = response.json()
        assert body["rsp_code"] == "A0000"
        assert body["res_cnt"] == 2
        assert [(item["bank_code_std"], item["account_num"]) for item in body["res_list"]] == [
            ("088", first.account_number),
            ("004", second.account_number),
        ]

    async def test_balance_of_an_account(self, client, database, settings):
        account = await builders.customer_account(database, balance=123_456)
        response = await client.get(
            f"{BASE}/v2.0/account/balance/acnt_num",
            params={"bank_code_std": "088", "account_num": account.account_number},
            headers=auth(settings),
        )
        body = response.json()
        assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0000", "000")
        assert body["balance_amt"] == 123_456

    async def test_balance_of_an_unknown_account_is_refused(self, client, settings):
        response = await client.get(
            f"{BASE}/v2.0/account/balance/acnt_num",
            params={"bank_code_std": "088", "account_num": "123456789"},
            headers=auth(settings),
        )
        assert response.status_code == 200
        assert response.json()["bank_rsp_code"] == "412"

    async def test_transactions_newest_first_with_balance_after(self, client, database, settings):
        account = await builders.customer_account(database, balance=100_000)
        for bank_tran_id, amount in (("L1", 10_000), ("L2", 25_000)):
            response = await client.post(
                f"{BASE}/v2.0/transfer/withdraw/acnt_num",
                json=transfer_body(account, bank_tran_id, amount),
                headers=auth(settings),
            )
            assert response.json()["rsp_code"] == "A0000"
        response = await client.get(
            f"{BASE}/v2.0/account/transaction_list/acnt_num",
            params={"bank_code_std": "088", "account_num": account.account_number},
            headers=auth(settings),
        )
        body = response.json()
        assert body["balance_amt"] == 65_000
        rows = [
            (item["bank_tran_id"], item["inout_type"], item["tran_amt"], item["after_balance_amt"])
            for item in body["res_list"]
        ]
        assert rows == [
            ("L2", "출금", 25_000, 65_000),
            ("L1", "출금", 10_000, 90_000),
            ("", "입금", 100_000, 100_000),
        ]


class TestWithdraw:
    async def test_moves_money_into_the_corporate_account(self, client, database, settings):
        account = await builders.customer_account(database, balance=100_000)
        response = await client.post(
            f"{BASE}/v2.0/transfer/withdraw/acnt_num",
            json=transfer_body(account, "W1", 30_000),
            headers=auth(settings),
        )
        assert response.status_code == 200
        body = response.json()
        assert body.keys() >= ENVELOPE | BANK_LAYER
        assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0000", "000")
        assert (body["bank_tran_id"], body["tran_amt"]) == ("W1", 30_000)
        assert body["account_holder_name"] == "김민준"
        assert await builders.balance_of(database, account) == 70_000
        assert await builders.corporate_balance(database) == 30_000

    async def test_insufficient_balance_is_declined(self, client, database, settings):
        account = await builders.customer_account(database, balance=10_000)
        response = await client.post(
            f"{BASE}/v2.0/transfer/withdraw/acnt_num",
            json=transfer_body(account, "W2", 10_001),
            headers=auth(settings),
        )
        body = response.json()
        assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0002", "551")
        assert await builders.balance_of(database, account) == 10_000
        assert await builders.corporate_balance(database) == 0

    async def test_unknown_account_is_declined(self, client, settings):
        body = {
            "bank_tran_id": "W3",
            "bank_code_std": "088",
            "account_num": "1234567890",
            "tran_amt": 1_000,
        }
        response = await client.post(
            f"{BASE}/v2.0/transfer/withdraw/acnt_num", json=body, headers=auth(settings)
        )
        assert response.json()["bank_rsp_code"] == "412"

    async def test_the_same_bank_tran_id_again_answers_the_first_answer(
        self, client, database, settings
    ):
        account = await builders.customer_account(database, balance=100_000)
        answers = []
        for amount in (40_000, 40_000, 5_000):  # even a different amount changes nothing
            response = await client.post(
                f"{BASE}/v2.0/transfer/withdraw/acnt_num",
                json=transfer_body(account, "W4", amount),
                headers=auth(settings),
            )
            answers.append(response.json())
        assert {answer["tran_amt"] for answer in answers} == {40_000}
        assert {answer["bank_rsp_code"] for answer in answers} == {"000"}
        assert len({answer["api_tran_id"] for answer in answers}) == 3  # one per API call
        assert await builders.balance_of(database, account) == 60_000
        assert await builders.corporate_balance(database) == 40_000

    async def test_a_declined_id_stays_declined(self, client, database, settings):
        account = await builders.customer_account(database, balance=1_000)
        url = f"{BASE}/v2.0/transfer/withdraw/acnt_num"
        first = await client.post(
            url, json=transfer_body(account, "W5", 5_000), headers=auth(settings)
        )
        assert first.json()["bank_rsp_code"] == "551"
        again = await client.post(
            url, json=transfer_body(account, "W5", 500), headers=auth(settings)
        )
        assert again.json()["bank_rsp_code"] == "551"
        assert await builders.balance_of(database, account) == 1_000

    async def test_concurrent_duplicates_move_money_once(self, client, database, settings):
        account = await builders.customer_account(database, balance=100_000)
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{BASE}/v2.0/transfer/withdraw/acnt_num",
                    json=transfer_body(account, "W6", 10_000),
                    headers=auth(settings),
                )
                for _ in range(8)
            )
        )
        assert {response.json()["bank_rsp_code"] for response in responses} == {"000"}
        assert await builders.balance_of(database, account) == 90_000
        assert await builders.corporate_balance(database) == 10_000

    @pytest.mark.parametrize("amount", [0, -5, "1000", 1.5])
    async def test_a_bad_amount_is_a_400(self, client, database, settings, amount):
        account = await builders.customer_account(database, balance=10_000)
        body = transfer_body(account, "W7", 1)
        body["tran_amt"] = amount
        response = await client.post(
            f"{BASE}/v2.0/transfer/withdraw/acnt_num", json=body, headers=auth(settings)
        )
        assert response.status_code == 400
        assert await builders.balance_of(database, account) == 10_000


class TestDeposit:
    async def test_pays_from_the_corporate_account(self, client, database, settings):
        payer = await builders.customer_account(database, balance=100_000)
        payee = await builders.customer_account(database, balance=0, holder_name="이서연")
        url = f"{BASE}/v2.0/transfer"
        await client.post(
            f"{url}/withdraw/acnt_num",
            json=transfer_body(payer, "D0", 50_000),
            headers=auth(settings),
        )
        response = await client.post(
            f"{url}/deposit/acnt_num",
            json=transfer_body(payee, "D1", 20_000),
            headers=auth(settings),
        )
        body = response.json()
        assert (body["rsp_code"], body["bank_rsp_code"], body["tran_type"]) == (
            "A0000",
            "000",
            "deposit",
        )
        assert body["account_holder_name"] == "이서연"
        assert await builders.balance_of(database, payee) == 20_000
        assert await builders.corporate_balance(database) == 30_000

    async def test_more_than_the_corporate_balance_is_declined(self, client, database, settings):
        payee = await builders.customer_account(database, balance=0)
        response = await client.post(
            f"{BASE}/v2.0/transfer/deposit/acnt_num",
            json=transfer_body(payee, "D2", 1),
            headers=auth(settings),
        )
        assert (response.json()["rsp_code"], response.json()["bank_rsp_code"]) == ("A0002", "552")
        assert await builders.balance_of(database, payee) == 0
        assert await builders.corporate_balance(database) == 0


class TestTransferResult:
    async def _result(self, client, settings, bank_tran_id):
        response = await client.post(
            f"{BASE}/v2.0/transfer/result",
            json={"org_bank_tran_id": bank_tran_id},
            headers=auth(settings),
        )
        assert response.status_code == 200
        return response.json()

    async def test_tells_success_and_decline(self, client, database, settings):
        account = await builders.customer_account(database, balance=10_000)
        url = f"{BASE}/v2.0/transfer/withdraw/acnt_num"
        await client.post(url, json=transfer_body(account, "R1", 4_000), headers=auth(settings))
        await client.post(url, json=transfer_body(account, "R2", 9_000), headers=auth(settings))
        ok = await self._result(client, settings, "R1")
        assert (ok["rsp_code"], ok["tran_result"], ok["bank_rsp_code"]) == (
            "A0000",
            "success",
            "000",
        )
        assert (ok["tran_type"], ok["tran_amt"], ok["org_bank_tran_id"]) == (
            "withdraw",
            4_000,
            "R1",
        )
        declined = await self._result(client, settings, "R2")
        assert (declined["tran_result"], declined["bank_rsp_code"]) == ("declined", "551")

    async def test_an_unseen_id_is_cancelled_and_refused_later(self, client, database, settings):
        account = await builders.customer_account(database, balance=10_000)
        cancelled = await self._result(client, settings, "R3")
        assert (cancelled["tran_result"], cancelled["bank_rsp_code"]) == ("cancelled", "831")
        response = await client.post(
            f"{BASE}/v2.0/transfer/withdraw/acnt_num",
            json=transfer_body(account, "R3", 1_000),
            headers=auth(settings),
        )
        assert (response.json()["rsp_code"], response.json()["bank_rsp_code"]) == ("A0002", "830")
        assert await builders.balance_of(database, account) == 10_000
        again = await self._result(client, settings, "R3")
        assert again["tran_result"] == "cancelled"

    async def test_a_late_arrival_after_the_inquiry_moves_nothing(self, client, database, settings):
        account = await builders.customer_account(database, balance=10_000)
        await builders.fault(database, "withdraw", "timeout", delay_seconds=1.0)
        late = asyncio.create_task(
            client.post(
                f"{BASE}/v2.0/transfer/withdraw/acnt_num",
                json=transfer_body(account, "R4", 1_000),
                headers=auth(settings),
            )
        )
        await asyncio.sleep(0.3)  # the withdrawal has arrived and is held by the fault
        cancelled = await self._result(client, settings, "R4")
        assert cancelled["tran_result"] == "cancelled"
        response = await late
        assert response.json()["bank_rsp_code"] == "830"
        assert await builders.balance_of(database, account) == 10_000
        assert await builders.corporate_balance(database) == 0


class TestFaults:
    async def test_add_list_and_clear(self, client, settings):
        response = await client.post(
            f"{BASE}/_sandbox/faults",
            json={"operation": "withdraw", "mode": "timeout", "count": 2, "delay_seconds": 1.5},
            headers=auth(settings),
        )
        assert response.status_code == 201
        fault = response.json()
        assert fault["rsp_code"] == "A0000"
        assert (fault["account_number"], fault["remaining"], fault["delay_seconds"]) == (
            "*",
            2,
            1.5,
        )
        listed = (await client.get(f"{BASE}/_sandbox/faults", headers=auth(settings))).json()
        assert [item["id"] for item in listed["res_list"]] == [fault["id"]]
        cleared = await client.delete(f"{BASE}/_sandbox/faults", headers=auth(settings))
        assert cleared.json()["deleted"] == 1
        listed = (await client.get(f"{BASE}/_sandbox/faults", headers=auth(settings))).json()
        assert listed["res_list"] == []

    @pytest.mark.parametrize(
        "body",
        [
            {"operation": "fly", "mode": "decline"},
            {"operation": "any", "mode": "explode"},
            {"operation": "any", "mode": "decline", "count": 0},
            {"operation": "any", "mode": "timeout", "delay_seconds": -1},
        ],
    )
    async def test_a_bad_fault_is_a_400(self, client, settings, body):
        response = await client.post(f"{BASE}/_sandbox/faults", json=body, headers=auth(settings))
        assert response.status_code == 400
        assert response.json()["rsp_code"] == "A0003"

    async def test_decline_fault_is_used_up(self, client, database, settings):
        account = await builders.customer_account(database, balance=10_000)
        await builders.fault(database, "withdraw", "decline", account_number=account.account_number)
        url = f"{BASE}/v2.0/transfer/withdraw/acnt_num"
        first = await client.post(
            url, json=transfer_body(account, "F1", 1_000), headers=auth(settings)
        )
        assert (first.json()["rsp_code"], first.json()["bank_rsp_code"]) == ("A0002", "999")
        second = await client.post(
            url, json=transfer_body(account, "F2", 1_000), headers=auth(settings)
        )
        assert second.json()["bank_rsp_code"] == "000"
        assert await builders.balance_of(database, account) == 9_000

    async def test_a_fault_for_another_account_does_not_apply(self, client, database, settings):
        account = await builders.customer_account(database, balance=10_000)
        await builders.fault(database, "any", "decline", account_number="999999999")
        response = await client.post(
            f"{BASE}/v2.0/transfer/withdraw/acnt_num",
            json=transfer_body(account, "F3", 1_000),
            headers=auth(settings),
        )
        assert response.json()["bank_rsp_code"] == "000"

    async def test_fail_after_success_commits_then_answers_500(self, client, database, settings):
        account = await builders.customer_account(database, balance=10_000)
        await builders.fault(database, "withdraw", "fail_after_success")
        url = f"{BASE}/v2.0/transfer/withdraw/acnt_num"
        response = await client.post(
            url, json=transfer_body(account, "F4", 2_500), headers=auth(settings)
        )
        assert response.status_code == 500
        assert "json" not in response.headers["content-type"]
        assert await builders.balance_of(database, account) == 7_500
        again = await client.post(
            url, json=transfer_body(account, "F4", 2_500), headers=auth(settings)
        )
        assert again.status_code == 200
        assert again.json()["bank_rsp_code"] == "000"
        assert await builders.balance_of(database, account) == 7_500

    async def test_realname_decline_fault(self, client, database, settings):
        account = await builders.customer_account(database)
        await builders.fault(database, "realname", "decline")
        response = await client.post(
            f"{BASE}/v2.0/inquiry/real_name",
            json={
                "bank_code_std": "088",
                "account_num": account.account_number,
                "account_holder_info": "900517",
            },
            headers=auth(settings),
        )
        assert (response.json()["rsp_code"], response.json()["bank_rsp_code"]) == ("A0002", "999")


class TestAdminAccounts:
    async def test_open_and_read_an_account(self, client, settings):
        body = {
            "bank_code": "004",
            "account_number": "77001234567",
            "holder_name": "박지후",
            "customer_id": "+821077778888",
            "balance": 250_000,
            "holder_birth_date": "1985-03-02",
        }
        response = await client.post(f"{BASE}/_sandbox/accounts", json=body, headers=auth(settings))
        assert response.status_code == 201, response.text
        assert response.json()["balance"] == 250_000
        again = await client.post(f"{BASE}/_sandbox/accounts", json=body, headers=auth(settings))
        assert (again.status_code, again.json()["rsp_code"]) == (409, "A0005")
        read = await client.get(f"{BASE}/_sandbox/accounts/004/77001234567", headers=auth(settings))
        assert (read.json()["holder_name"], read.json()["is_corporate"]) == ("박지후", False)

    async def test_reads_the_corporate_account(self, client, settings):
        response = await client.get(
            f"{BASE}/_sandbox/accounts/{CORPORATE_BANK_CODE}/{CORPORATE_ACCOUNT_NUMBER}",
            headers=auth(settings),
        )
        assert response.status_code == 200
        assert (response.json()["is_corporate"], response.json()["balance"]) == (True, 0)

    async def test_unknown_account_is_a_404(self, client, settings):
        response = await client.get(
            f"{BASE}/_sandbox/accounts/088/123123123", headers=auth(settings)
        )
        assert (response.status_code, response.json()["rsp_code"]) == (404, "A0004")
