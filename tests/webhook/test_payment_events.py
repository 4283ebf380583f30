"""End to end: a real payment approved and canceled through the KakaoPay API reaches the
merchant's endpoint as signed `payment.approved` and `payment.canceled` webhooks."""

from __future__ import annotations

import httpx
from standardwebhooks.webhooks import Webhook

from easypay.config import Settings
from easypay.db import Database
from tests.payment import builders as payment
from tests.webhook import builders
from tests.webhook.builders import run_worker
from tests.webhook.receiver import Receiver


class TestPaymentWebhooks:
    async def test_approve_and_cancel_are_announced(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, secret = await builders.shop_with_webhook(client, database, receiver.url)
        buyer = await payment.buyer(client, database)
        started = await payment.paid(client, database, settings, shop, buyer)
        canceled = await payment.cancel(client, shop, started.tid, 1000)
        assert canceled.status_code == 200, canceled.text

        await run_worker(database, settings)

        bodies = [Webhook(secret).verify(r.body, r.headers) for r in receiver.requests]
        assert [b["type"] for b in bodies] == ["payment.approved", "payment.canceled"]
        approved, cancel = bodies
        assert approved["data"]["tid"] == started.tid
        assert approved["data"]["total_amount"] == started.total
        assert approved["data"]["canceled_amount"] == 0
        assert cancel["data"]["tid"] == started.tid
        assert cancel["data"]["canceled_amount"] == 1000
        assert cancel["data"]["cancel_amount"] == 1000
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 2

    async def test_a_merchant_without_webhooks_pays_normally(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop = await payment.shop(database)
        buyer = await payment.buyer(client, database)
        await payment.paid(client, database, settings, shop, buyer)
        await run_worker(database, settings)
        assert receiver.requests == []
        assert await builders.pending_delivery_jobs(database) == 0
