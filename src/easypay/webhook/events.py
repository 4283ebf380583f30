"""Publishing a webhook event: written in the caller's transaction with the change it reports,
then delivered by the worker (webhook/delivery.py). Merchants without an endpoint get none."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.kit.clock import clock
from easypay.models import Merchant, WebhookEvent
from easypay.worker import outbox

DELIVER_JOB = "webhook.deliver"


async def publish(
    session: AsyncSession, merchant_id: int, event_type: str, data: dict[str, Any]
) -> WebhookEvent | None:
    merchant = await session.get(Merchant, merchant_id)
    if merchant is None or not merchant.webhook_url:
        return None
    now = clock.now()
    body = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    event = WebhookEvent(
        msg_id="msg_" + secrets.token_hex(12),
        merchant_id=merchant_id,
        type=event_type,
        payload=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        url=merchant.webhook_url,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    await outbox.enqueue(session, DELIVER_JOB, {"event_id": event.id})
    return event
