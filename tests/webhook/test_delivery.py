"""Delivering webhook events: signed POSTs to a real receiver, every attempt logged, retries on
the Standard Webhooks schedule until 3 days, then failed."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import FakeClock, as_utc
from easypay.models import OutboxJob, WebhookEvent
from easypay.webhook.delivery import delay_after
from easypay.webhook.events import DELIVER_JOB
from easypay.worker import outbox
from tests.payment import builders as payment
from tests.webhook import builders
from tests.webhook.builders import APPROVED_DATA, run_worker, stored, verified
from tests.webhook.receiver import Receiver, closed_port_url

# When each attempt is made, from the event (Standard Webhooks: immediately, 5 s, 5 min, 30 min,
# 2 h, 5 h, 10 h, 10 h, ...), as long as it falls within 3 days.
SCHEDULE = [
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5, seconds=5),
    timedelta(minutes=35, seconds=5),
    timedelta(hours=2, minutes=35, seconds=5),
    timedelta(hours=7, minutes=35, seconds=5),
    timedelta(hours=17, minutes=35, seconds=5),
    timedelta(hours=27, minutes=35, seconds=5),
    timedelta(hours=37, minutes=35, seconds=5),
    timedelta(hours=47, minutes=35, seconds=5),
    timedelta(hours=57, minutes=35, seconds=5),
    timedelta(hours=67, minutes=35, seconds=5),
]


class TestPublish:
    async def test_a_merchant_without_a_url_gets_no_event(
        self, database: Database, settings: Settings, receiver: Receiver
    ) -> None:
        shop = await payment.shop(database)
        assert await builders.event(database, shop.merchant_id) is None
        async with database.transaction() as session:
            events = (await session.execute(select(func.count(WebhookEvent.id)))).scalar_one()
            jobs = (await session.execute(select(func.count(OutboxJob.id)))).scalar_one()
        assert (events, jobs) == (0, 0)
        assert await run_worker(database, settings) == 0
        assert receiver.requests == []

    async def test_an_unknown_merchant_gets_no_event(self, database: Database) -> None:
        assert await builders.event(database, 987_654) is None

    async def test_an_event_waits_for_the_worker(
        self, client: httpx.AsyncClient, database: Database, receiver: Receiver
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        found, attempts = await stored(database, published.msg_id)
        assert (found.state, found.attempts, attempts) == ("pending", 0, [])
        assert found.url == receiver.url
        assert receiver.requests == []


class TestDelivered:
    async def test_signed_post_verifies_with_standard_webhooks(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, secret = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None

        assert await run_worker(database, settings) == 1

        assert len(receiver.requests) == 1
        request = receiver.requests[0]
        assert request.path == "/hooks/easypay"
        assert request.headers["webhook-id"] == published.msg_id
        assert request.headers["content-type"] == "application/json"
        assert request.headers["webhook-signature"].startswith("v1,")
        body = Webhook(secret).verify(request.body, request.headers)
        assert body["type"] == "payment.approved"
        assert body["data"] == APPROVED_DATA
        assert request.body == published.payload  # the exact stored bytes are what is signed
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "delivered"
        assert found.delivered_at is not None
        assert found.next_attempt_at is None
        assert found.attempts == 1
        assert [(a.number, a.status_code, a.error) for a in attempts] == [(1, 200, "")]
        assert attempts[0].duration_ms >= 0

    async def test_a_delivered_event_is_not_sent_again(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        # A duplicate of the job (e.g. a worker that died after the POST): it must do nothing.
        async with database.transaction() as session:
            await outbox.enqueue(session, DELIVER_JOB, {"event_id": published.id})
        await run_worker(database, settings)
        await run_worker(database, settings)
        assert len(receiver.requests) == 1
        found, attempts = await stored(database, published.msg_id)
        assert (found.state, found.attempts, len(attempts)) == ("delivered", 1, 1)
        assert await builders.pending_delivery_jobs(database) == 0

    async def test_workers_running_at_once_deliver_each_event_once(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        msg_ids = set()
        for number in range(6):
            published = await builders.event(database, shop.merchant_id, data={"n": number})
            assert published is not None
            msg_ids.add(published.msg_id)
        await asyncio.gather(*(run_worker(database, settings) for _ in range(3)))
        assert sorted(r.headers["webhook-id"] for r in receiver.requests) == sorted(msg_ids)
        for msg_id in msg_ids:
            found, attempts = await stored(database, msg_id)
            assert (found.state, found.attempts, len(attempts)) == ("delivered", 1, 1)

    async def test_any_2xx_is_delivered(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        receiver.status = 204
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id, "settlement.paid", {"id": 1})
        assert published is not None
        await run_worker(database, settings)
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "delivered"
        assert attempts[0].status_code == 204

    async def test_tampering_with_the_body_breaks_verification(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, secret = await builders.shop_with_webhook(client, database, receiver.url)
        await builders.event(database, shop.merchant_id)
        await run_worker(database, settings)
        request = receiver.requests[0]
        webhook = Webhook(secret)
        webhook.verify(request.body, request.headers)
        tampered = request.body.replace('"total_amount":2200', '"total_amount":1')
        assert tampered != request.body
        with pytest.raises(WebhookVerificationError):
            webhook.verify(tampered, request.headers)
        other_id = {**request.headers, "webhook-id": "msg_" + "0" * 24}
        with pytest.raises(WebhookVerificationError):
            webhook.verify(request.body, other_id)
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "QUJD" * 8).verify(request.body, request.headers)

    async def test_each_merchant_gets_its_own_events_signed_with_its_own_secret(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        first, first_secret = await builders.shop_with_webhook(client, database, receiver.url)
        second, second_secret = await builders.shop_with_webhook(
            client, database, receiver.url, cid="TC0SECONDS"
        )
        assert first_secret != second_secret
        one = await builders.event(database, first.merchant_id)
        two = await builders.event(database, second.merchant_id)
        assert one is not None
        assert two is not None
        await run_worker(database, settings)
        by_id = {r.headers["webhook-id"]: r for r in receiver.requests}
        Webhook(first_secret).verify(by_id[one.msg_id].body, by_id[one.msg_id].headers)
        Webhook(second_secret).verify(by_id[two.msg_id].body, by_id[two.msg_id].headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(first_secret).verify(by_id[two.msg_id].body, by_id[two.msg_id].headers)


class TestRetries:
    async def test_failures_are_retried_on_the_schedule_until_delivered(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
        fake_clock: FakeClock,
    ) -> None:
        receiver.fail_next(3, status=503)
        shop, secret = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        start = as_utc(published.created_at)

        await run_worker(database, settings)  # attempt 1, at once
        for number in (2, 3, 4):
            found, _ = await stored(database, published.msg_id)
            assert found.state == "pending"
            assert found.next_attempt_at is not None
            assert as_utc(found.next_attempt_at) == start + SCHEDULE[number - 1]
            fake_clock.set(start + SCHEDULE[number - 1] - timedelta(seconds=1))
            await run_worker(database, settings)
            assert len(receiver.requests) == number - 1, "not before its time"
            fake_clock.set(start + SCHEDULE[number - 1])
            await run_worker(database, settings)
            assert len(receiver.requests) == number

        found, attempts = await stored(database, published.msg_id)
        assert found.state == "delivered"
        assert [(a.number, a.status_code) for a in attempts] == [
            (1, 503),
            (2, 503),
            (3, 503),
            (4, 200),
        ]
        assert all(a.error.startswith("HTTP 503") for a in attempts[:3])
        assert [as_utc(a.attempted_at) - start for a in attempts] == SCHEDULE[:4]
        # The same webhook-id every time, a fresh timestamp and signature each time.
        assert {r.headers["webhook-id"] for r in receiver.requests} == {published.msg_id}
        stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.requests]
        assert stamps == sorted(stamps)
        assert len(set(stamps)) == 4
        for request in receiver.requests:
            assert verified(secret, request)["data"] == APPROVED_DATA
        assert await builders.pending_delivery_jobs(database) == 0

    async def test_gives_up_after_three_days(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
        fake_clock: FakeClock,
    ) -> None:
        receiver.fail_next(1000)
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        start = as_utc(published.created_at)

        for offset in SCHEDULE:
            fake_clock.set(start + offset)
            await run_worker(database, settings)
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "failed"
        assert found.next_attempt_at is None
        assert found.delivered_at is None
        assert len(attempts) == len(SCHEDULE) == 12
        assert [as_utc(a.attempted_at) - start for a in attempts] == SCHEDULE
        assert all(a.status_code == 500 for a in attempts)

        fake_clock.set(start + timedelta(days=10))
        await run_worker(database, settings)
        assert len(receiver.requests) == 12
        assert await builders.pending_delivery_jobs(database) == 0

    async def test_the_schedule(self) -> None:
        waits = [delay_after(n) for n in range(1, 10)]
        assert waits == [
            timedelta(seconds=5),
            timedelta(minutes=5),
            timedelta(minutes=30),
            timedelta(hours=2),
            timedelta(hours=5),
            timedelta(hours=10),
            timedelta(hours=10),
            timedelta(hours=10),
            timedelta(hours=10),
        ]

    async def test_connection_refused_is_a_failed_attempt(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, closed_port_url())
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        await run_worker(database, settings)
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "pending"
        assert found.next_attempt_at is not None
        assert attempts[0].status_code is None
        assert attempts[0].error.startswith("connection failed")

    async def test_a_timeout_is_a_failed_attempt(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        receiver.hang = True
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        await run_worker(database, settings, timeout=0.3)
        receiver.released.set()
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "pending"
        assert attempts[0].status_code is None
        assert attempts[0].error == "timed out after 0.3 s"
        assert len(receiver.requests) == 1

    async def test_a_redirect_is_not_followed(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        receiver.fail_next(1, status=302)
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        await run_worker(database, settings)
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "pending"
        assert attempts[0].status_code == 302
        assert len(receiver.requests) == 1

    async def test_events_of_a_merchant_that_turned_webhooks_off_fail_without_a_post(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        response = await client.delete("/api/v1/merchant/webhook", headers=shop.current)
        assert response.status_code == 204
        await run_worker(database, settings)
        assert receiver.requests == []
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "failed"
        assert attempts[0].error == "webhooks are turned off"
        assert await builders.pending_delivery_jobs(database) == 0

    async def test_a_new_url_takes_the_retries(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
        fake_clock: FakeClock,
    ) -> None:
        shop, secret = await builders.shop_with_webhook(client, database, closed_port_url())
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        await run_worker(database, settings)
        response = await builders.set_url(client, shop, receiver.url)
        assert response.status_code == 200
        assert response.json()["secret"] is None  # the secret stays
        fake_clock.advance(seconds=5)
        await run_worker(database, settings)
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "delivered"
        assert found.url == receiver.url
        assert [a.status_code for a in attempts] == [None, 200]
        verified(secret, receiver.requests[0])


class TestServerSecret:
    async def test_a_worker_without_the_server_secret_cannot_sign(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        published = await builders.event(database, shop.merchant_id)
        assert published is not None
        stranger = settings.model_copy(update={"secret_key": "11" * 32})
        stranger.__dict__.pop("server_secret", None)
        assert stranger.server_secret != settings.server_secret
        await run_worker(database, stranger)
        assert receiver.requests == []
        found, attempts = await stored(database, published.msg_id)
        assert found.state == "pending"  # retried: the operator may restore the right secret
        assert attempts[0].error == "the signing secret cannot be read by the server"

    async def test_the_stored_payload_is_the_json_body(
        self,
        client: httpx.AsyncClient,
        database: Database,
        receiver: Receiver,
    ) -> None:
        shop, _ = await builders.shop_with_webhook(client, database, receiver.url)
        data = {"tid": "T1", "item_name": "초코파이", "total_amount": 2200}
        published = await builders.event(database, shop.merchant_id, "payment.canceled", data)
        assert published is not None
        body = json.loads(published.payload)
        assert body["type"] == "payment.canceled"
        assert body["data"] == data
