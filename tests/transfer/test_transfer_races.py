"""Transfers under concurrent requests, each in its own transaction: exactly one of two
conflicting actions wins, balances and limits are never over-spent, money ends in one place."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.money import builders as money
from tests.transfer import builders


async def codes(responses) -> Counter[int]:
    return Counter(response.status_code for response in responses)


class TestReceiveWhileTheSenderCancels:
    async def test_exactly_one_wins_and_the_money_is_in_one_place(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 50_000)
        recipient = await money.person(client, database, name="박서연")
        transfer_ids = [await builders.sent(client, sender, 1_000, recipient) for _ in range(6)]
        received = 0
        for transfer_id in transfer_ids:
            receive, cancel = await asyncio.gather(
                builders.act(client, recipient, transfer_id, "receive"),
                builders.act(client, sender, transfer_id, "cancel"),
            )
            assert sorted([receive.status_code, cancel.status_code]) == [200, 409]
            status = await builders.status_of(client, sender, transfer_id)
            assert status == ("received" if receive.status_code == 200 else "canceled")
            received += status == "received"
        assert await builders.available(client, recipient) == received * 1_000
        assert (await money.balance(client, sender))["balance"] == 50_000 - received * 1_000
        assert await builders.available(client, sender) == 50_000 - received * 1_000

    async def test_receive_while_the_recipient_declines_elsewhere(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 50_000)
        recipient = await money.person(client, database, name="박서연")
        transfer_id = await builders.sent(client, sender, 10_000, recipient)
        responses = await asyncio.gather(
            *[
                builders.act(client, recipient, transfer_id, action)
                for action in ("receive", "decline", "receive", "decline")
            ]
        )
        assert await codes(responses) == {200: 1, 409: 3}
        got = await builders.available(client, recipient)
        assert got in (0, 10_000)
        assert await builders.available(client, sender) == 50_000 - got


class TestDoubleSpend:
    async def test_concurrent_sends_beyond_the_balance(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 30_000)
        await builders.set_auto_charge(client, sender, False)
        recipient = await money.person(client, database, name="박서연")
        responses = await asyncio.gather(
            *[builders.send(client, sender, 10_000, to=recipient) for _ in range(8)]
        )
        assert await codes(responses) == {201: 3, 402: 5}
        assert {builders.error_of(r) for r in responses if r.status_code == 402} == {
            "InsufficientFunds"
        }
        assert await builders.available(client, sender) == 0
        assert len(await builders.inbox(client, recipient)) == 3
        listed = await client.get("/api/v1/transfers", headers=sender.headers)
        assert len(listed.json()["items"]) == 3

    async def test_concurrent_sends_against_the_daily_limit(self, client, database):
        sender = await money.person(client, database, bank_balance=20_000_000)
        for _ in range(2):  # 4,000,000 sent and received today
            await builders.funded(client, sender, 2_000_000)
            taker = await money.person(client, database, name="이도윤")
            transfer_id = await builders.sent(client, sender, 2_000_000, taker)
            await builders.act(client, taker, transfer_id, "receive")
        await builders.funded(client, sender, 2_000_000)
        await builders.set_auto_charge(client, sender, False)
        recipient = await money.person(client, database, name="박서연")
        responses = await asyncio.gather(
            *[builders.send(client, sender, 300_000, to=recipient) for _ in range(8)]
        )
        assert await codes(responses) == {201: 3, 403: 5}
        assert await builders.available(client, sender) == 2_000_000 - 900_000

    async def test_concurrent_replays_of_one_send_make_one_transfer(self, client, database):
        sender = await builders.funded(client, await money.person(client, database), 50_000)
        recipient = await money.person(client, database, name="박서연")
        responses = await asyncio.gather(
            *[builders.send(client, sender, 10_000, to=recipient, key="same") for _ in range(6)]
        )
        assert set((await codes(responses)).keys()) <= {201, 409}
        assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
        assert await builders.available(client, sender) == 40_000
        assert await builders.kinds(client, recipient) == ["transfer.incoming"]


class TestConcurrentPaysOfOneRequest:
    async def test_one_payment(self, client, database):
        requester = await money.person(client, database)
        payer = await builders.funded(
            client, await money.person(client, database, name="박서연"), 50_000
        )
        asked = await builders.ask(client, requester, [builders.share(payer, 10_000)])
        request_id = asked.json()["id"]
        responses = await asyncio.gather(
            *[builders.pay(client, payer, request_id) for _ in range(6)]
        )
        assert await codes(responses) == {200: 1, 409: 5}
        assert {builders.error_of(r) for r in responses if r.status_code == 409} == {
            "AlreadyAnswered"
        }
        assert (await money.balance(client, requester))["balance"] == 10_000
        assert (await money.balance(client, payer))["balance"] == 40_000
        assert (await builders.kinds(client, requester)).count("request.paid") == 1

    async def test_pay_while_the_requester_closes(self, client, database):
        requester = await money.person(client, database)
        payer = await builders.funded(
            client, await money.person(client, database, name="박서연"), 50_000
        )
        request_id = (
            await builders.ask(client, requester, [builders.share(payer, 10_000)])
        ).json()["id"]
        paid, closed = await asyncio.gather(
            builders.pay(client, payer, request_id),
            builders.answer(client, requester, request_id, "close"),
        )
        assert closed.status_code == 200
        board = await builders.money_request(client, requester, request_id)
        assert board["status"] == "closed"
        if paid.status_code == 200:
            assert board["paid"] == 10_000
            assert (await money.balance(client, requester))["balance"] == 10_000
        else:
            assert builders.error_of(paid) == "MoneyRequestClosed"
            assert board["paid"] == 0
            assert (await money.balance(client, payer))["balance"] == 50_000
