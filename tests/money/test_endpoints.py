"""Pay Money through the API, with the sandbox bank answering over real HTTP."""

from __future__ import annotations

import asyncio

import pytest

from tests.money import builders
from tests.money.builders import PIN


class TestLinkBankAccount:
    async def test_links_an_account_in_my_name(self, client, database):
        someone = await builders.person(client, database, link=False)
        response = await client.post(
            "/api/v1/money/bank-links",
            json={"bank_code": "088", "account_number": someone.account_number, "consent": True},
            headers=someone.headers,
        )
        assert response.status_code == 201, response.text
        link = response.json()
        assert link["holder_name"] == "김민준"
        assert link["bank_name"] == "신한은행"
        assert someone.account_number not in link["account_masked"]
        listed = await client.get("/api/v1/money/bank-links", headers=someone.headers)
        assert [item["id"] for item in listed.json()] == [link["id"]]

    async def test_refuses_an_account_in_another_name(self, client, database):
        someone = await builders.person(client, database, link=False, holder_name="이서연")
        response = await client.post(
            "/api/v1/money/bank-links",
            json={"bank_code": "088", "account_number": someone.account_number, "consent": True},
            headers=someone.headers,
        )
        assert response.status_code == 409
        assert response.json()["error"] == "HolderNameMismatch"
        listed = await client.get("/api/v1/money/bank-links", headers=someone.headers)
        assert listed.json() == []

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            (
                {"bank_code": "088", "account_number": "110999999999", "consent": True},
                404,
                "BankAccountNotFound",
            ),
            (
                {"bank_code": "088", "account_number": "SELF", "consent": False},
                422,
                "ConsentRequired",
            ),
            ({"bank_code": "999", "account_number": "SELF", "consent": True}, 422, "UnknownBank"),
            (
                {"bank_code": "088", "account_number": "12ab", "consent": True},
                422,
                "ValidationError",
            ),
            ({"bank_code": "088", "consent": True}, 422, "ValidationError"),
            (
                {"bank_code": "088", "account_number": "SELF", "consent": "maybe"},
                422,
                "ValidationError",
            ),
        ],
    )
    async def test_bad_requests_link_nothing(self, client, database, body, status, code):
        someone = await builders.person(client, database, link=False)
        if body.get("account_number") == "SELF":
            body = {**body, "account_number": someone.account_number}
        response = await client.post("/api/v1/money/bank-links", json=body, headers=someone.headers)
        assert response.status_code == status, response.text
        assert response.json()["error"] == code
        listed = await client.get("/api/v1/money/bank-links", headers=someone.headers)
        assert listed.json() == []

    async def test_linking_twice_is_refused(self, client, database):
        someone = await builders.person(client, database)
        response = await client.post(
            "/api/v1/money/bank-links",
            json={"bank_code": "088", "account_number": someone.account_number, "consent": True},
            headers=someone.headers,
        )
        assert response.status_code == 409
        assert response.json()["error"] == "AlreadyLinked"

    async def test_unlink_then_charge_is_refused(self, client, database):
        someone = await builders.person(client, database)
        response = await client.delete(
            f"/api/v1/money/bank-links/{someone.link_id}", headers=someone.headers
        )
        assert response.status_code == 204
        response = await builders.charge(client, someone, 10_000)
        assert response.status_code == 404
        assert response.json()["error"] == "BankLinkNotFound"

    async def test_another_users_link_is_not_found(self, client, database):
        owner = await builders.person(client, database)
        stranger = await builders.person(client, database, name="이서연")
        response = await client.delete(
            f"/api/v1/money/bank-links/{owner.link_id}", headers=stranger.headers
        )
        assert response.status_code == 404
        stranger.link_id = owner.link_id
        response = await builders.charge(client, stranger, 10_000)
        assert response.status_code == 404
        assert (await builders.balance(client, owner))["balance"] == 0


class TestCharge:
    async def test_charge_moves_money_from_the_bank(self, client, database):
        someone = await builders.person(client, database, bank_balance=1_000_000)
        response = await builders.charge(client, someone, 50_000)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "completed"
        assert (await builders.balance(client, someone))["balance"] == 50_000
        assert await builders.bank_balance(database, someone) == 950_000

    async def test_wrong_pin_changes_nothing(self, client, database):
        someone = await builders.person(client, database)
        response = await builders.charge(client, someone, 50_000, pin="000001")
        assert response.status_code == 403
        assert response.json()["error"] == "WrongPin"
        assert (await builders.balance(client, someone))["balance"] == 0
        assert await builders.bank_balance(database, someone) == 5_000_000

    @pytest.mark.parametrize("amount", [0, -1, 999, 2_000_001, 2**64, "10000", 10000.5, None, True])
    async def test_bad_amounts_change_nothing(self, client, database, amount):
        someone = await builders.person(client, database)
        response = await builders.charge(client, someone, amount)
        assert response.status_code == 422, response.text
        assert response.json()["error"] in ("ValidationError", "AmountOutOfRange")
        assert (await builders.balance(client, someone))["balance"] == 0
        assert await builders.bank_balance(database, someone) == 5_000_000

    async def test_missing_idempotency_key_is_refused(self, client, database):
        someone = await builders.person(client, database)
        response = await client.post(
            "/api/v1/money/charges",
            json={"bank_link_id": someone.link_id, "amount": 10_000, "pin": PIN},
            headers=someone.headers,
        )
        assert response.status_code == 400
        assert response.json()["error"] == "IdempotencyKeyMissing"

    async def test_anonymous_is_refused(self, client, database):
        response = await client.post(
            "/api/v1/money/charges",
            json={"bank_link_id": 1, "amount": 10_000, "pin": PIN},
            headers={"Idempotency-Key": "k1"},
        )
        assert response.status_code == 401

    async def test_replay_returns_the_first_answer_and_charges_once(self, client, database):
        someone = await builders.person(client, database)
        first = await builders.charge(client, someone, 30_000, key="charge-1")
        again = await builders.charge(client, someone, 30_000, key="charge-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert (await builders.balance(client, someone))["balance"] == 30_000
        different = await builders.charge(client, someone, 40_000, key="charge-1")
        assert different.status_code == 409
        assert different.json()["error"] == "IdempotencyKeyReused"

    async def test_concurrent_replays_charge_once(self, client, database):
        someone = await builders.person(client, database)
        responses = await asyncio.gather(
            *[builders.charge(client, someone, 20_000, key="same") for _ in range(8)]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(201) >= 1
        assert set(statuses) <= {201, 409}
        assert (await builders.balance(client, someone))["balance"] == 20_000
        assert await builders.bank_balance(database, someone) == 4_980_000

    async def test_holding_cap(self, client, database):
        someone = await builders.person(client, database)
        assert (await builders.charge(client, someone, 2_000_000)).status_code == 201
        response = await builders.charge(client, someone, 1_000)
        assert response.status_code == 409
        assert response.json()["error"] == "HoldingCapExceeded"
        assert (await builders.balance(client, someone))["balance"] == 2_000_000

    async def test_concurrent_charges_never_pass_the_cap(self, client, database):
        someone = await builders.person(client, database)
        responses = await asyncio.gather(
            *[builders.charge(client, someone, 500_000) for _ in range(6)]
        )
        assert [r.status_code for r in responses].count(201) == 4
        assert (await builders.balance(client, someone))["balance"] == 2_000_000
        assert await builders.bank_balance(database, someone) == 3_000_000

    async def test_bank_decline_changes_nothing(self, client, database):
        someone = await builders.person(client, database, bank_balance=10_000)
        response = await builders.charge(client, someone, 50_000)
        assert response.status_code == 402
        assert response.json()["error"] == "BankDeclined"
        money = await builders.balance(client, someone)
        assert (money["balance"], money["available"], money["incoming"]) == (0, 0, 0)
        assert await builders.bank_balance(database, someone) == 10_000


class TestWithdraw:
    async def test_withdraw_returns_money_to_the_bank(self, client, database):
        someone = await builders.person(client, database, bank_balance=100_000)
        await builders.charge(client, someone, 100_000)
        response = await builders.withdraw(client, someone, 40_000)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "completed"
        assert (await builders.balance(client, someone))["balance"] == 60_000
        assert await builders.bank_balance(database, someone) == 40_000

    async def test_more_than_the_balance_is_refused(self, client, database):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 10_000)
        response = await builders.withdraw(client, someone, 10_001)
        assert response.status_code == 402
        assert response.json()["error"] == "InsufficientFunds"
        assert (await builders.balance(client, someone))["balance"] == 10_000

    async def test_double_spend(self, client, database):
        """N concurrent withdrawals against a balance that allows K: exactly K succeed."""
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 30_000)
        responses = await asyncio.gather(
            *[builders.withdraw(client, someone, 10_000) for _ in range(8)]
        )
        codes = [r.status_code for r in responses]
        assert codes.count(201) == 3, codes
        assert set(codes) == {201, 402}
        assert (await builders.balance(client, someone))["balance"] == 0
        assert await builders.bank_balance(database, someone) == 5_000_000


class TestWithdrawBadInput:
    @pytest.mark.parametrize("amount", [0, -5, 2**63, "5000", 5000.0, None, False])
    async def test_bad_amounts_change_nothing(self, client, database, amount):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 10_000)
        response = await builders.withdraw(client, someone, amount)
        assert response.status_code in (402, 422), response.text
        assert response.json()["error"] in ("ValidationError", "AmountOutOfRange")
        assert (await builders.balance(client, someone))["balance"] == 10_000

    @pytest.mark.parametrize("link_id", [0, -1, 2**64, "1", None])
    async def test_bad_link_ids_change_nothing(self, client, database, link_id):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 10_000)
        response = await client.post(
            "/api/v1/money/withdrawals",
            json={"bank_link_id": link_id, "amount": 1_000, "pin": PIN},
            headers=someone.with_key(),
        )
        assert response.status_code == 422, response.text
        assert (await builders.balance(client, someone))["balance"] == 10_000

    async def test_malformed_json_is_a_clear_error(self, client, database):
        someone = await builders.person(client, database)
        response = await client.post(
            "/api/v1/money/withdrawals",
            content=b'{"bank_link_id": 1, "amount": ',
            headers={**someone.with_key(), "Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    async def test_pin_lock_blocks_withdrawals(self, client, database):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 10_000)
        for _ in range(5):
            await builders.withdraw(client, someone, 1_000, pin="000001")
        response = await builders.withdraw(client, someone, 1_000)
        assert response.status_code == 423
        assert response.json()["error"] == "PinLocked"
        assert (await builders.balance(client, someone))["balance"] == 10_000


class TestHistoryBadInput:
    @pytest.mark.parametrize(
        "params",
        [
            {"cursor": "0"},
            {"cursor": str(2**64)},
            {"limit": "0"},
            {"limit": "101"},
            {"since": "yesterday"},
            {"cursor": "abc"},
        ],
    )
    async def test_bad_parameters_are_422(self, client, database, params):
        someone = await builders.person(client, database, link=False)
        response = await client.get("/api/v1/money/history", params=params, headers=someone.headers)
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    async def test_operation_of_another_user_is_not_found(self, client, database):
        owner = await builders.person(client, database)
        stranger = await builders.person(client, database, name="이서연")
        operation = (await builders.charge(client, owner, 10_000)).json()
        response = await client.get(
            f"/api/v1/money/operations/{operation['id']}", headers=stranger.headers
        )
        assert response.status_code == 404
        mine = await client.get(
            f"/api/v1/money/operations/{operation['id']}", headers=owner.headers
        )
        assert mine.json()["status"] == "completed"


class TestHistory:
    async def test_lists_my_activity_newest_first(self, client, database):
        someone = await builders.person(client, database, bank_balance=100_000)
        await builders.charge(client, someone, 50_000)
        await builders.withdraw(client, someone, 20_000)
        await builders.charge(client, someone, 500_000)  # declined by the bank
        response = await client.get("/api/v1/money/history", headers=someone.headers)
        assert response.status_code == 200
        items = response.json()["items"]
        assert [(i["code"], i["direction"], i["amount"], i["status"]) for i in items] == [
            ("charge", "in", 500_000, "canceled"),
            ("withdrawal", "out", 20_000, "completed"),
            ("charge", "in", 50_000, "completed"),
        ]

    async def test_filters_and_pages(self, client, database):
        someone = await builders.person(client, database)
        for amount in (10_000, 20_000, 30_000):
            await builders.charge(client, someone, amount)
        await builders.withdraw(client, someone, 5_000)
        page = await client.get(
            "/api/v1/money/history", params={"code": "charge", "limit": 2}, headers=someone.headers
        )
        body = page.json()
        assert [i["amount"] for i in body["items"]] == [30_000, 20_000]
        rest = await client.get(
            "/api/v1/money/history",
            params={"code": "charge", "limit": 2, "cursor": body["next_cursor"]},
            headers=someone.headers,
        )
        assert [i["amount"] for i in rest.json()["items"]] == [10_000]
        assert rest.json()["next_cursor"] is None

    async def test_shows_nothing_of_other_users(self, client, database):
        someone = await builders.person(client, database)
        other = await builders.person(client, database, name="이서연")
        await builders.charge(client, someone, 10_000)
        response = await client.get("/api/v1/money/history", headers=other.headers)
        assert response.json()["items"] == []
