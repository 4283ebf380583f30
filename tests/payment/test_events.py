"""What a payment announces: a webhook event for the merchant (when it has an endpoint) and a
receipt in the buyer's inbox, written in the same transaction as the approval or cancel."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from easypay.models import Merchant, Notification, WebhookEvent
from tests.payment import builders as pay


async def events_of(database, merchant_id: int) -> list[WebhookEvent]:
    async with database.transaction() as session:
        statement = (
            select(WebhookEvent)
            .where(WebhookEvent.merchant_id == merchant_id)
            .order_by(WebhookEvent.id)
        )
        return list((await session.execute(statement)).scalars())


async def receipts_of(database, user_id: int) -> list[Notification]:
    async with database.transaction() as session:
        statement = (
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
        found = (await session.execute(statement)).scalars()
        return [n for n in found if n.kind.startswith("payment.")]


async def with_endpoint(database, shop: pay.Shop) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(Merchant)
            .where(Merchant.id == shop.merchant_id)
            .values(webhook_url="http://127.0.0.1:9/hooks")
        )


class TestWebhookEvents:
    async def test_approve_and_cancel_are_announced(self, client, database, settings):
        shop = await pay.shop(database)
        await with_endpoint(database, shop)
        buyer = await pay.buyer(client, database)
        started = await pay.paid(client, database, settings, shop, buyer, total_amount=5_000)
        assert (await pay.cancel(client, shop, started.tid, 2_000)).status_code == 200
        events = await events_of(database, shop.merchant_id)
        assert [event.type for event in events] == ["payment.approved", "payment.canceled"]
        approved = json.loads(events[0].payload)
        assert approved["type"] == "payment.approved"
        assert approved["data"]["tid"] == started.tid
        assert approved["data"]["status"] == "SUCCESS_PAYMENT"
        assert approved["data"]["total_amount"] == 5_000
        canceled = json.loads(events[1].payload)["data"]
        assert canceled["status"] == "PART_CANCEL_PAYMENT"
        assert canceled["cancel_amount"] == 2_000
        assert canceled["cancel_available_amount"] == 3_000
        assert events[0].msg_id != events[1].msg_id

    async def test_no_endpoint_no_event(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database)
        await pay.paid(client, database, settings, shop, buyer)
        assert await events_of(database, shop.merchant_id) == []

    async def test_a_refused_approve_announces_nothing(self, client, database, settings):
        shop = await pay.shop(database)
        await with_endpoint(database, shop)
        buyer = await pay.buyer(client, database)
        started = await pay.ready(client, shop)
        await pay.authorise(database, settings, buyer, started.tid)
        response = await pay.approve(client, shop, started, "0" * 20)
        assert response.status_code == 400
        assert await events_of(database, shop.merchant_id) == []


class TestReceipts:
    async def test_the_buyer_gets_a_receipt_for_each(self, client, database, settings):
        shop = await pay.shop(database, name="영수증상점")
        buyer = await pay.buyer(client, database)
        started = await pay.paid(client, database, settings, shop, buyer, total_amount=4_000)
        await pay.cancel(client, shop, started.tid, 4_000)
        receipts = await receipts_of(database, buyer.user_id)
        assert [r.kind for r in receipts] == ["payment.paid", "payment.canceled"]
        assert receipts[0].data["merchant"] == "영수증상점"
        assert receipts[0].data["amount"] == 4_000
        assert receipts[1].data["amount"] == 4_000
        assert receipts[0].data["tid"] == started.tid
