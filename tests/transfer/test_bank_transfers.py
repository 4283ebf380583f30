"""Sending Pay Money to anyone's bank account: the holder's name first, then immediate; a bank
refusal or an unclear answer never loses or makes money."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from easypay.money import service as money_service
from easypay.worker.runner import Worker
from tests.money import builders as money
from tests.transfer import builders


async def sender_and_payee(client, database, funds: int = 100_000):
    sender = await builders.funded(client, await money.person(client, database), funds)
    payee = await money.person(client, database, name="박서연")
    return sender, payee


async def send_to_bank(client, sender, payee, amount: int, key: str | None = None, **extra):
    body = {
        "bank_code": payee.bank_code,
        "account_number": payee.account_number,
        "amount": amount,
        "message": "월세",
        "pin": money.PIN,
        **extra,
    }
    return await client.post("/api/v1/bank-transfers", json=body, headers=sender.with_key(key))


async def bank_transfer(client, who, operation_id: int):
    response = await client.get(f"/api/v1/bank-transfers/{operation_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def reconcile(app) -> int:
    return await money_service.reconcile(app.state.database, app.state.bank, timedelta(0))


class TestInquiry:
    async def test_names_the_holder(self, client, database):
        sender, payee = await sender_and_payee(client, database)
        response = await client.post(
            "/api/v1/bank-transfers/inquiry",
            json={"bank_code": "088", "account_number": payee.account_number},
            headers=sender.headers,
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "bank_code": "088",
            "bank_name": "신한은행",
            "account_number": payee.account_number,
            "holder_name": "박서연",
        }

    async def test_dashes_are_allowed(self, client, database):
        sender, payee = await sender_and_payee(client, database)
        number = payee.account_number
        dashed = f"{number[:3]}-{number[3:6]}-{number[6:]}"
        response = await client.post(
            "/api/v1/bank-transfers/inquiry",
            json={"bank_code": "088", "account_number": dashed},
            headers=sender.headers,
        )
        assert response.json()["account_number"] == number

    async def test_an_account_nobody_holds(self, client, database):
        sender, _ = await sender_and_payee(client, database)
        response = await client.post(
            "/api/v1/bank-transfers/inquiry",
            json={"bank_code": "088", "account_number": "110999999999"},
            headers=sender.headers,
        )
        assert response.status_code == 404
        assert builders.error_of(response) == "BankAccountNotFound"


class TestCompleted:
    async def test_the_money_lands_in_the_account(self, client, database):
        sender, payee = await sender_and_payee(client, database)
        response = await send_to_bank(client, sender, payee, 30_000)
        assert response.status_code == 201, response.text
        operation = response.json()
        assert operation["status"] == "completed"
        assert operation["holder_name"] == "박서연"
        assert operation["bank_name"] == "신한은행"
        assert payee.account_number not in operation["account_masked"]
        assert (await money.balance(client, sender))["balance"] == 70_000
        assert await money.bank_balance(database, payee) == 5_030_000
        assert (await builders.inbox(client, sender))[0]["kind"] == "transfer.bank_completed"
        assert (await bank_transfer(client, sender, operation["id"]))["status"] == "completed"
        listed = await client.get("/api/v1/bank-transfers", headers=sender.headers)
        assert [item["id"] for item in listed.json()["items"]] == [operation["id"]]

    async def test_cannot_be_canceled(self, client, database):
        sender, payee = await sender_and_payee(client, database)
        operation = (await send_to_bank(client, sender, payee, 30_000)).json()
        response = await builders.act(client, sender, operation["id"], "cancel")
        assert response.status_code == 404
        assert await money.bank_balance(database, payee) == 5_030_000

    async def test_another_users_bank_transfer_is_not_found(self, client, database):
        sender, payee = await sender_and_payee(client, database)
        operation = (await send_to_bank(client, sender, payee, 30_000)).json()
        response = await client.get(
            f"/api/v1/bank-transfers/{operation['id']}", headers=payee.headers
        )
        assert response.status_code == 404
        assert builders.error_of(response) == "TransferNotFound"
        listed = await client.get("/api/v1/bank-transfers", headers=payee.headers)
        assert listed.json()["items"] == []

    async def test_a_charge_is_not_a_bank_transfer(self, client, database):
        sender, _ = await sender_and_payee(client, database)
        charge = await money.charge(client, sender, 10_000)
        response = await client.get(
            f"/api/v1/bank-transfers/{charge.json()['id']}", headers=sender.headers
        )
        assert response.status_code == 404


class TestDeclined:
    async def test_402_and_the_money_is_back(self, client, database):
        sender, payee = await sender_and_payee(client, database)
        await builders.add_fault(
            database, "deposit", "decline", account_number=payee.account_number
        )
        response = await send_to_bank(client, sender, payee, 30_000)
        assert response.status_code == 402, response.text
        assert builders.error_of(response) == "BankDeclined"
        balance = await money.balance(client, sender)
        assert (balance["balance"], balance["available"]) == (100_000, 100_000)
        assert await money.bank_balance(database, payee) == 5_000_000
        messages = await builders.inbox(client, sender)
        assert messages[0]["kind"] == "transfer.bank_failed"
        assert "30,000" in messages[0]["title"]
        listed = await client.get("/api/v1/bank-transfers", headers=sender.headers)
        assert [item["status"] for item in listed.json()["items"]] == ["failed"]

    async def test_a_retry_with_the_same_key_is_declined_again_without_a_second_try(
        self, client, database
    ):
        sender, payee = await sender_and_payee(client, database)
        await builders.add_fault(
            database, "deposit", "decline", account_number=payee.account_number
        )
        first = await send_to_bank(client, sender, payee, 30_000, key="rent-1")
        again = await send_to_bank(client, sender, payee, 30_000, key="rent-1")
        assert first.status_code == again.status_code == 402
        listed = await client.get("/api/v1/bank-transfers", headers=sender.headers)
        assert len(listed.json()["items"]) == 1
        assert await money.bank_balance(database, payee) == 5_000_000
        assert (await money.balance(client, sender))["available"] == 100_000


class TestUnclearAnswer:
    async def test_the_answer_lost_after_success_is_completed_by_reconcile(
        self, app, client, database
    ):
        sender, payee = await sender_and_payee(client, database)
        await builders.add_fault(
            database, "deposit", "fail_after_success", account_number=payee.account_number
        )
        response = await send_to_bank(client, sender, payee, 30_000)
        assert response.status_code == 201, response.text
        operation = response.json()
        assert operation["status"] == "unknown"
        assert await builders.available(client, sender) == 70_000
        assert await reconcile(app) == 1
        assert (await bank_transfer(client, sender, operation["id"]))["status"] == "completed"
        assert (await money.balance(client, sender))["balance"] == 70_000
        assert await money.bank_balance(database, payee) == 5_030_000
        assert (await builders.inbox(client, sender))[0]["kind"] == "transfer.bank_completed"

    async def test_the_worker_settles_it_too(self, app, client, database):
        sender, payee = await sender_and_payee(client, database)
        await builders.add_fault(
            database, "deposit", "fail_after_success", account_number=payee.account_number
        )
        operation = (await send_to_bank(client, sender, payee, 30_000)).json()
        assert (
            await Worker(
                database, app.state.settings, app.state.bank, app.state.card_issuer
            ).run_once()
            >= 1
        )
        assert (await bank_transfer(client, sender, operation["id"]))["status"] == "completed"
        assert (
            await Worker(
                database, app.state.settings, app.state.bank, app.state.card_issuer
            ).run_once()
            == 0
        )
        assert await money.bank_balance(database, payee) == 5_030_000

    async def test_a_timeout_the_bank_never_saw_comes_back(self, app, client, database):
        sender, payee = await sender_and_payee(client, database)
        await builders.add_fault(
            database, "deposit", "timeout", account_number=payee.account_number, delay_seconds=3.0
        )
        response = await send_to_bank(client, sender, payee, 30_000)
        assert response.status_code == 201, response.text
        operation = response.json()
        assert operation["status"] == "unknown"
        assert await builders.available(client, sender) == 70_000
        assert await reconcile(app) == 1  # the bank never saw it: recorded as cancelled
        assert (await bank_transfer(client, sender, operation["id"]))["status"] == "failed"
        balance = await money.balance(client, sender)
        assert (balance["balance"], balance["available"]) == (100_000, 100_000)
        assert (await builders.inbox(client, sender))[0]["kind"] == "transfer.bank_failed"
        await asyncio.sleep(1.2)  # the late request arrives and must move nothing
        assert await money.bank_balance(database, payee) == 5_000_000
        assert await reconcile(app) == 0
