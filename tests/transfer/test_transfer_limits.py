"""Sending limits: 2,000,000 KRW per transfer, 5,000,000 KRW per Korean day across transfers to
people, to bank accounts and request payments; money that comes back frees the limit again."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.money import builders as money
from tests.transfer import builders

MAX_ONE = 2_000_000
MAX_DAY = 5_000_000


async def sender_with(client, database, funds: int):
    sender = await money.person(client, database, bank_balance=20_000_000)
    if funds:
        await builders.funded(client, sender, funds)
    return sender


async def spend_today(client, database, sender, amount: int) -> None:
    """Send `amount` to fresh recipients, 2,000,000 at a time, each received at once (so the
    holding cap never gets in the way)."""
    while amount:
        part = min(amount, MAX_ONE)
        await builders.funded(client, sender, part)
        recipient = await money.person(client, database, name="박서연")
        transfer_id = await builders.sent(client, sender, part, recipient)
        assert (await builders.act(client, recipient, transfer_id, "receive")).status_code == 200
        amount -= part


async def assert_limit_refused(response) -> None:
    assert response.status_code == 403, response.text
    assert builders.error_of(response) == "TransferLimitExceeded"


class TestPerTransferLimit:
    async def test_2_000_000_may_be_sent(self, client, database):
        sender = await sender_with(client, database, MAX_ONE)
        recipient = await money.person(client, database, name="박서연")
        response = await builders.send(client, sender, MAX_ONE, to=recipient)
        assert response.status_code == 201, response.text

    async def test_2_000_001_is_refused(self, client, database):
        sender = await sender_with(client, database, MAX_ONE)
        recipient = await money.person(client, database, name="박서연")
        await assert_limit_refused(await builders.send(client, sender, MAX_ONE + 1, to=recipient))
        assert await builders.available(client, sender) == MAX_ONE
        assert await builders.inbox(client, recipient) == []

    async def test_refused_before_any_auto_charge(self, client, database):
        sender = await sender_with(client, database, 50_000)
        recipient = await money.person(client, database, name="박서연")
        await assert_limit_refused(await builders.send(client, sender, MAX_ONE + 1, to=recipient))
        assert (await money.balance(client, sender))["balance"] == 50_000
        assert await money.bank_balance(database, sender) == 20_000_000 - 50_000

    async def test_to_a_bank_account_too(self, client, database):
        sender = await sender_with(client, database, 50_000)
        recipient = await money.person(client, database, name="박서연")
        response = await client.post(
            "/api/v1/bank-transfers",
            json={
                "bank_code": recipient.bank_code,
                "account_number": recipient.account_number,
                "amount": MAX_ONE + 1,
                "pin": money.PIN,
            },
            headers=sender.with_key(),
        )
        await assert_limit_refused(response)
        assert (await money.balance(client, sender))["balance"] == 50_000
        assert await money.bank_balance(database, recipient) == 5_000_000


class TestDailyLimit:
    async def test_counts_people_bank_accounts_and_requests_together(self, client, database):
        sender = await sender_with(client, database, 0)
        await spend_today(client, database, sender, MAX_ONE)
        bank_payee = await money.person(client, database, name="이도윤")
        await builders.funded(client, sender, MAX_ONE)
        to_bank = await client.post(
            "/api/v1/bank-transfers",
            json={
                "bank_code": bank_payee.bank_code,
                "account_number": bank_payee.account_number,
                "amount": MAX_ONE,
                "pin": money.PIN,
            },
            headers=sender.with_key(),
        )
        assert to_bank.status_code == 201, to_bank.text
        requester = await money.person(client, database, name="최유나")
        asked = await builders.ask(client, requester, [builders.share(sender, 1_000_000)])
        await builders.funded(client, sender, 1_000_010)
        paid = await builders.pay(client, sender, asked.json()["id"])
        assert paid.status_code == 200, paid.text

        # 5,000,000 sent today: one more won is refused, whichever way.
        other = await money.person(client, database, name="정하준")
        await assert_limit_refused(await builders.send(client, sender, 10, to=other))
        to_bank = await client.post(
            "/api/v1/bank-transfers",
            json={
                "bank_code": bank_payee.bank_code,
                "account_number": bank_payee.account_number,
                "amount": 10,
                "pin": money.PIN,
            },
            headers=sender.with_key(),
        )
        await assert_limit_refused(to_bank)
        asked = await builders.ask(client, other, [builders.share(sender, 10)])
        await assert_limit_refused(await builders.pay(client, sender, asked.json()["id"]))
        assert await builders.available(client, sender) == 10
        assert (await builders.money_request(client, other, asked.json()["id"]))["paid"] == 0

    async def test_refused_before_any_auto_charge(self, client, database):
        sender = await sender_with(client, database, 0)
        await spend_today(client, database, sender, MAX_DAY)
        recipient = await money.person(client, database, name="정하준")
        await assert_limit_refused(await builders.send(client, sender, 1_000, to=recipient))
        to_bank = await client.post(
            "/api/v1/bank-transfers",
            json={
                "bank_code": recipient.bank_code,
                "account_number": recipient.account_number,
                "amount": 1_000,
                "pin": money.PIN,
            },
            headers=sender.with_key(),
        )
        await assert_limit_refused(to_bank)
        asked = await builders.ask(client, recipient, [builders.share(sender, 1_000)])
        await assert_limit_refused(await builders.pay(client, sender, asked.json()["id"]))
        assert (await money.balance(client, sender))["balance"] == 0
        assert await money.bank_balance(database, sender) == 20_000_000 - MAX_DAY
        assert await money.bank_balance(database, recipient) == 5_000_000

    async def test_a_new_korean_day_starts_at_midnight_kst(self, client, database, fake_clock):
        fake_clock.set(datetime(2026, 3, 2, 14, 50, tzinfo=UTC))  # 23:50 in Seoul
        sender = await sender_with(client, database, 0)
        await spend_today(client, database, sender, MAX_DAY)
        await builders.funded(client, sender, 1_000)
        recipient = await money.person(client, database, name="정하준")
        await assert_limit_refused(await builders.send(client, sender, 1_000, to=recipient))
        fake_clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # 00:00 the next day
        response = await builders.send(client, sender, 1_000, to=recipient)
        assert response.status_code == 201, response.text


class TestMoneyThatComesBackFreesTheLimit:
    async def full_day_with_one_held(self, client, database):
        """4,000,000 sent and received, then 1,000,000 held for a recipient: the day is full."""
        sender = await sender_with(client, database, 0)
        await spend_today(client, database, sender, MAX_DAY - 1_000_000)
        await builders.funded(client, sender, 1_000_000)
        recipient = await money.person(client, database, name="정하준")
        transfer_id = await builders.sent(client, sender, 1_000_000, recipient)
        await assert_limit_refused(await builders.send(client, sender, 1_000, to=recipient))
        return sender, recipient, transfer_id

    async def assert_can_send_again(self, client, sender, recipient, amount=1_000_000):
        response = await builders.send(client, sender, amount, to=recipient)
        assert response.status_code == 201, response.text
        await assert_limit_refused(await builders.send(client, sender, 10, to=recipient))

    async def test_declined(self, client, database):
        sender, recipient, transfer_id = await self.full_day_with_one_held(client, database)
        await builders.act(client, recipient, transfer_id, "decline")
        await self.assert_can_send_again(client, sender, recipient)

    async def test_canceled(self, client, database):
        sender, recipient, transfer_id = await self.full_day_with_one_held(client, database)
        await builders.act(client, sender, transfer_id, "cancel")
        await self.assert_can_send_again(client, sender, recipient)

    async def test_returned(self, client, database, fake_clock):
        # Noon in Seoul: the hour below stays on the same Korean day (from the real clock, the
        # test failed between 23:00 and 24:00 KST, when that hour began a new day).
        fake_clock.set(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
        sender, recipient, _ = await self.full_day_with_one_held(client, database)
        fake_clock.advance(hours=1)
        sender_day = fake_clock.now()
        # Not received in 72 hours: by then it is another day anyway, so look at the day it
        # was counted on by moving the clock back after the worker returned it.
        fake_clock.advance(hours=72)
        assert await builders.run_worker(database) >= 1
        fake_clock.set(sender_day)
        await self.assert_can_send_again(client, sender, recipient)

    async def test_received_does_not(self, client, database):
        sender, recipient, transfer_id = await self.full_day_with_one_held(client, database)
        await builders.act(client, recipient, transfer_id, "receive")
        await assert_limit_refused(await builders.send(client, sender, 10, to=recipient))

    async def test_refused_by_the_bank(self, client, database):
        sender = await sender_with(client, database, 0)
        await spend_today(client, database, sender, MAX_DAY - 1_000_000)
        await builders.funded(client, sender, 1_000_000)
        payee = await money.person(client, database, name="정하준")
        await builders.add_fault(
            database, "deposit", "decline", account_number=payee.account_number
        )
        response = await client.post(
            "/api/v1/bank-transfers",
            json={
                "bank_code": payee.bank_code,
                "account_number": payee.account_number,
                "amount": 1_000_000,
                "pin": money.PIN,
            },
            headers=sender.with_key(),
        )
        assert response.status_code == 402, response.text
        await self.assert_can_send_again(client, sender, payee)
