"""Calls that race on one payment: of two actors at once, one wins, and money moves once."""

from __future__ import annotations

import asyncio

from easypay.payment import tasks
from tests.payment import builders as pay

ROUNDS = 3


class TestApproveRace:
    async def test_two_approves_at_once_one_succeeds(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        for round_ in range(ROUNDS):
            started = await pay.ready(client, shop)
            token = await pay.authorise(database, settings, buyer, started.tid)
            first, second = await asyncio.gather(
                pay.approve(client, shop, started, token, "query"),
                pay.approve(client, shop, started, token, "json"),
            )
            statuses = sorted([first.status_code, second.status_code])
            assert statuses == [200, 400], (first.text, second.text)
            loser = first if first.status_code == 400 else second
            assert pay.error_of(loser) == -702
            details = (await pay.order(client, shop, started.tid))["payment_action_details"]
            assert [d["payment_action_type"] for d in details] == ["PAYMENT"]
            assert await pay.money_balance(client, buyer) == 20_000 - 2_200 * (round_ + 1)

    async def test_an_approve_racing_the_expiry_worker(
        self, client, database, settings, fake_clock
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        # Just inside the window for the approve; the worker's query sees it as due a moment later.
        fake_clock.advance(minutes=settings.payment_ready_minutes, seconds=-1)
        approve = asyncio.ensure_future(pay.approve(client, shop, started, token))
        fake_clock.advance(seconds=2)
        expired = await tasks.expire_due(database)
        response = await approve
        status = (await pay.order(client, shop, started.tid))["status"]
        if response.status_code == 200:
            assert status == "SUCCESS_PAYMENT"
            assert expired == 0
            assert await pay.money_balance(client, buyer) == 20_000 - 2_200
        else:
            assert pay.error_of(response) == -723
            assert status == "FAIL_PAYMENT"
            assert await pay.money_balance(client, buyer) == 20_000
        assert await pay.available(client, buyer) == await pay.money_balance(client, buyer)


class TestCancelRaces:
    async def test_a_cancel_racing_an_approve(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        for _ in range(ROUNDS):
            started = await pay.ready(client, shop)
            token = await pay.authorise(database, settings, buyer, started.tid)
            before = await pay.money_balance(client, buyer)
            approved, canceled = await asyncio.gather(
                pay.approve(client, shop, started, token),
                pay.cancel(client, shop, started.tid, 2200),
            )
            assert approved.status_code == 200, approved.text
            order = await pay.order(client, shop, started.tid)
            if canceled.status_code == 200:
                assert order["status"] == "CANCEL_PAYMENT"
                assert await pay.money_balance(client, buyer) == before
            else:
                assert pay.error_of(canceled) == -781
                assert order["status"] == "SUCCESS_PAYMENT"
                assert await pay.money_balance(client, buyer) == before - 2200

    async def test_two_cancels_that_together_exceed_what_remains(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        for amounts in ((1500, 1500), (2200, 1), (1000, 1200)):
            started = await pay.paid(client, database, settings, shop, buyer)
            before = await pay.money_balance(client, buyer)
            responses = await asyncio.gather(
                *(pay.cancel(client, shop, started.tid, amount, 0, "json") for amount in amounts)
            )
            order = await pay.order(client, shop, started.tid)
            refunded = sum(
                amount
                for amount, response in zip(amounts, responses, strict=True)
                if response.status_code == 200
            )
            for response in responses:
                assert response.status_code in (200, 400), response.text
                if response.status_code == 400:
                    assert pay.error_of(response) == -781
            assert 0 < refunded <= 2200
            assert order["canceled_amount"]["total"] == refunded
            assert order["canceled_amount"]["vat"] <= 200
            assert order["status"] == (
                "CANCEL_PAYMENT" if refunded == 2200 else "PART_CANCEL_PAYMENT"
            )
            if refunded == 2200:
                assert order["canceled_amount"]["vat"] == 200
            cancels = [
                d for d in order["payment_action_details"] if d["payment_action_type"] == "CANCEL"
            ]
            assert sum(d["amount"] for d in cancels) == refunded
            assert await pay.money_balance(client, buyer) == before + refunded

    async def test_two_cancels_that_fit_both_succeed(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        started = await pay.paid(client, database, settings, shop, buyer)
        responses = await asyncio.gather(
            *(pay.cancel(client, shop, started.tid, amount) for amount in (1000, 1200))
        )
        assert [response.status_code for response in responses] == [200, 200], [
            response.text for response in responses
        ]
        order = await pay.order(client, shop, started.tid)
        assert order["status"] == "CANCEL_PAYMENT"
        assert order["canceled_amount"]["vat"] == 200
        assert order["cancel_available_amount"]["total"] == 0
        assert await pay.money_balance(client, buyer) == 20_000
