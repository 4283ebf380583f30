"""Payments nobody approved in time: the worker fails them and returns any held money, once."""

from __future__ import annotations

from easypay.payment import tasks
from easypay.worker.runner import Worker
from tests.payment import builders as pay


class TestExpireDue:
    async def test_a_ready_payment_past_its_time_fails(
        self, client, database, settings, fake_clock
    ):
        shop = await pay.shop(database)
        started = await pay.ready(client, shop)
        fake_clock.advance(minutes=settings.payment_ready_minutes - 1)
        assert await tasks.expire_due(database) == 0
        assert (await pay.order(client, shop, started.tid))["status"] == "READY"
        fake_clock.advance(minutes=1)
        assert await tasks.expire_due(database) == 1
        order = await pay.order(client, shop, started.tid)
        assert order["status"] == "FAIL_PAYMENT"
        assert order["payment_action_details"] == []
        assert await tasks.expire_due(database) == 0
        assert (await pay.order(client, shop, started.tid)) == order

    async def test_an_authorised_payment_returns_the_held_money(
        self, client, database, settings, fake_clock
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop, total_amount=4000)
        await pay.authorise(database, settings, buyer, started.tid)
        assert await pay.available(client, buyer) == 6_000
        fake_clock.advance(minutes=settings.payment_ready_minutes, seconds=1)
        assert await tasks.expire_due(database) == 1
        assert (await pay.order(client, shop, started.tid))["status"] == "FAIL_PAYMENT"
        assert await pay.available(client, buyer) == 10_000
        assert await pay.money_balance(client, buyer) == 10_000
        assert await tasks.expire_due(database) == 0
        assert await pay.available(client, buyer) == 10_000

    async def test_the_worker_runs_it(self, app, client, database, settings, fake_clock):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        await pay.authorise(database, settings, buyer, started.tid)
        fake_clock.advance(minutes=settings.payment_ready_minutes + 5)
        worker = Worker(database, app.state.settings, app.state.bank, app.state.card_issuer)
        assert await worker.run_once() >= 1
        assert await worker.run_once() == 0
        assert (await pay.order(client, shop, started.tid))["status"] == "FAIL_PAYMENT"
        assert await pay.available(client, buyer) == 10_000

    async def test_paid_and_canceled_payments_are_left_alone(
        self, client, database, settings, fake_clock
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        kept = await pay.paid(client, database, settings, shop, buyer)
        part = await pay.paid(client, database, settings, shop, buyer)
        assert (await pay.cancel(client, shop, part.tid, 100)).status_code == 200
        fake_clock.advance(hours=1)
        assert await tasks.expire_due(database) == 0
        assert (await pay.order(client, shop, kept.tid))["status"] == "SUCCESS_PAYMENT"
        assert (await pay.order(client, shop, part.tid))["status"] == "PART_CANCEL_PAYMENT"
        assert await pay.money_balance(client, buyer) == 10_000 - 4_300

    async def test_only_the_due_ones(self, client, database, settings, fake_clock):
        shop = await pay.shop(database)
        old = await pay.ready(client, shop)
        fake_clock.advance(minutes=10)
        young = await pay.ready(client, shop)
        fake_clock.advance(minutes=6)
        assert await tasks.expire_due(database) == 1
        assert (await pay.order(client, shop, old.tid))["status"] == "FAIL_PAYMENT"
        assert (await pay.order(client, shop, young.tid))["status"] == "READY"
