"""Builders for webhook tests: a merchant with a webhook URL, events, and worker passes that
run the delivery jobs (bound to the test settings, as the worker binds them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from easypay.config import Settings
from easypay.db import Database
from easypay.models import OutboxJob, WebhookAttempt, WebhookEvent
from easypay.webhook import delivery
from easypay.webhook.events import DELIVER_JOB, publish
from easypay.worker import outbox
from tests.payment import builders as payment
from tests.payment.builders import Shop
from tests.webhook.receiver import Received

APPROVED_DATA = {"tid": "T1234567890", "total_amount": 2200, "status": "SUCCESS_PAYMENT"}


async def shop_with_webhook(
    client: httpx.AsyncClient, database: Database, url: str, cid: str = "TC0ONETIME"
) -> tuple[Shop, str]:
    """A merchant whose webhook goes to `url`; its signing secret."""
    shop = await payment.shop(database, cid)
    response = await set_url(client, shop, url)
    assert response.status_code == 200, response.text
    secret = response.json()["secret"]
    assert isinstance(secret, str)
    return shop, secret


async def set_url(client: httpx.AsyncClient, shop: Shop, url: str) -> httpx.Response:
    return await client.put("/api/v1/merchant/webhook", json={"url": url}, headers=shop.current)


async def event(
    database: Database,
    merchant_id: int,
    event_type: str = "payment.approved",
    data: dict[str, Any] | None = None,
) -> WebhookEvent | None:
    async with database.transaction() as session:
        return await publish(session, merchant_id, event_type, data or APPROVED_DATA)


async def run_worker(database: Database, settings: Settings, timeout: float = 5.0) -> int:
    """One worker pass over the due outbox jobs; how many ran."""
    handlers = delivery.handlers(settings, timeout)
    ran = 0
    for job in await outbox.claim_due(database):
        await outbox.run_job(database, job, handlers)
        ran += 1
    return ran


async def stored(database: Database, msg_id: str) -> tuple[WebhookEvent, list[WebhookAttempt]]:
    async with database.transaction() as session:
        found = (
            await session.execute(select(WebhookEvent).where(WebhookEvent.msg_id == msg_id))
        ).scalar_one()
        attempts = list(
            (
                await session.execute(
                    select(WebhookAttempt)
                    .where(WebhookAttempt.event_id == found.id)
                    .order_by(WebhookAttempt.number)
                )
            ).scalars()
        )
    return found, attempts


async def pending_delivery_jobs(database: Database) -> int:
    async with database.transaction() as session:
        statement = select(func.count()).where(
            OutboxJob.kind == DELIVER_JOB, OutboxJob.state == "pending"
        )
        return int((await session.execute(statement)).scalar_one())


def verified(secret: str, request: Received) -> dict[str, Any]:
    """Check a received webhook the way a merchant would, with the `standardwebhooks` library.

    The library refuses timestamps more than 5 minutes from the real time, so a request signed
    at a moved test clock is checked with the library's own signer at the sent timestamp."""
    webhook = Webhook(secret)
    sent_at = datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), UTC)
    if abs((datetime.now(UTC) - sent_at).total_seconds()) < 240:
        body: dict[str, Any] = webhook.verify(request.body, request.headers)
        return body
    expected = webhook.sign(request.headers["webhook-id"], sent_at, request.body)
    assert expected in request.headers["webhook-signature"].split(" ")
    parsed: dict[str, Any] = json.loads(request.body)
    return parsed
