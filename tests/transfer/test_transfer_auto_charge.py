"""Auto-charge: a transfer short of balance first charges the shortfall, rounded up to
10,000 KRW, from the linked bank account; turned off (or impossible), it is refused."""

from __future__ import annotations

from tests.money import builders as money
from tests.transfer import builders

BANK = 5_000_000


async def short_sender(client, database, funds: int = 3_000, **options):
    sender = await money.person(client, database, **options)
    if funds:
        await builders.funded(client, sender, funds)
    return sender


class TestShortfallIsCharged:
    async def test_to_a_person(self, client, database):
        sender = await short_sender(client, database)
        recipient = await money.person(client, database, name="박서연")
        response = await builders.send(client, sender, 15_500, to=recipient)
        assert response.status_code == 201, response.text
        assert await money.bank_balance(database, sender) == BANK - 3_000 - 20_000
        balance = await money.balance(client, sender)
        assert (balance["balance"], balance["available"]) == (23_000, 7_500)

    async def test_to_a_bank_account(self, client, database):
        sender = await short_sender(client, database)
        payee = await money.person(client, database, name="박서연")
        response = await client.post(
            "/api/v1/bank-transfers",
            json={
                "bank_code": payee.bank_code,
                "account_number": payee.account_number,
                "amount": 15_500,
                "pin": money.PIN,
            },
            headers=sender.with_key(),
        )
        assert response.status_code == 201, response.text
        assert (await money.balance(client, sender))["balance"] == 7_500
        assert await money.bank_balance(database, payee) == BANK + 15_500

    async def test_to_pay_a_request(self, client, database):
        payer = await short_sender(client, database)
        requester = await money.person(client, database, name="박서연")
        asked = await builders.ask(client, requester, [builders.share(payer, 15_500)])
        response = await builders.pay(client, payer, asked.json()["id"])
        assert response.status_code == 200, response.text
        assert (await money.balance(client, payer))["balance"] == 7_500
        assert (await money.balance(client, requester))["balance"] == 15_500

    async def test_nothing_is_charged_when_the_balance_covers_it(self, client, database):
        sender = await short_sender(client, database, funds=20_000)
        recipient = await money.person(client, database, name="박서연")
        assert (await builders.send(client, sender, 20_000, to=recipient)).status_code == 201
        assert await money.bank_balance(database, sender) == BANK - 20_000


class TestShortfallIsRefused:
    async def assert_nothing_moved(self, client, database, sender, recipient, funds=3_000):
        assert (await money.balance(client, sender))["balance"] == funds
        assert await builders.available(client, sender) == funds
        assert await money.bank_balance(database, sender) == BANK - funds
        assert await builders.inbox(client, recipient) == []

    async def test_when_auto_charge_is_off(self, client, database):
        sender = await short_sender(client, database)
        await builders.set_auto_charge(client, sender, False)
        recipient = await money.person(client, database, name="박서연")
        response = await builders.send(client, sender, 15_500, to=recipient)
        assert response.status_code == 402
        assert builders.error_of(response) == "InsufficientFunds"
        await self.assert_nothing_moved(client, database, sender, recipient)

    async def test_without_a_linked_account(self, client, database):
        sender = await short_sender(client, database, funds=0, link=False)
        recipient = await money.person(client, database, name="박서연")
        response = await builders.send(client, sender, 15_500, to=recipient)
        assert response.status_code == 409
        assert builders.error_of(response) == "NoLinkedAccount"
        assert await builders.inbox(client, recipient) == []
        assert await money.bank_balance(database, sender) == BANK

    async def test_when_the_bank_declines_the_charge(self, client, database):
        sender = await short_sender(client, database)
        recipient = await money.person(client, database, name="박서연")
        await builders.add_fault(
            database, "withdraw", "decline", account_number=sender.account_number
        )
        response = await builders.send(client, sender, 15_500, to=recipient)
        assert response.status_code == 402
        assert builders.error_of(response) == "BankDeclined"
        await self.assert_nothing_moved(client, database, sender, recipient)
