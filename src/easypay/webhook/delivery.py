"""Delivering webhook events: one signed POST per outbox job, every attempt logged, retries on
the Standard Webhooks schedule (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h)
until 3 days after the event, then `failed`.

Each job names the attempt it makes (`attempt`, 1 for the job `publish` writes); a job whose
attempt was already made (a duplicate, or one overtaken by a resend) does nothing, and so does
any job of an event that is no longer pending. The POST happens outside any transaction: a
worker that dies mid-call leaves its job to be claimed again when the lease runs out, so a
receiver may see an event twice (it dedupes by `webhook-id`), never zero times.

The outbox does not retry these jobs itself: a failed delivery is a finished job that enqueues
the next attempt with its delay. Signing needs the server secret, so the worker binds the
handler to its settings (`handlers(settings)`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import as_utc, clock
from easypay.models import Merchant, WebhookAttempt, WebhookEvent
from easypay.webhook import repository, signing
from easypay.webhook.events import DELIVER_JOB
from easypay.worker import outbox

log = logging.getLogger("easypay.webhook")

TIMEOUT_SECONDS = 10.0
RETRY_WINDOW = timedelta(days=3)
# The wait after attempt n (1-based) fails; the last one repeats.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
ERROR_LENGTH = 300
EXCERPT_BYTES = 200


def delay_after(attempt: int) -> timedelta:
    return RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str
    duration_ms: int
    retry: bool = True  # False when retrying cannot help (webhooks turned off)


async def enqueue_attempt(
    session: AsyncSession, event: WebhookEvent, attempt: int, since: datetime, delay: timedelta
) -> None:
    """Schedule attempt number `attempt` of `event`; the retry window runs from `since`."""
    event.next_attempt_at = clock.now() + delay
    payload = {"event_id": event.id, "attempt": attempt, "since": as_utc(since).isoformat()}
    await outbox.enqueue(session, DELIVER_JOB, payload, delay=delay)


async def _excerpt(response: httpx.Response) -> str:
    """The start of the receiver's answer (never the whole of a huge one)."""
    received = b""
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) >= EXCERPT_BYTES:
            break
    return received[:EXCERPT_BYTES].decode(errors="replace").strip()


async def post(url: str, headers: dict[str, str], body: str, timeout: float) -> Outcome:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with (
            httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
            client.stream("POST", url, content=body.encode(), headers=headers) as response,
        ):
            excerpt = await _excerpt(response)
    except httpx.TimeoutException:
        return Outcome(False, None, f"timed out after {timeout:g} s", took())
    except httpx.HTTPError as error:
        detail = str(error) or type(error).__name__
        return Outcome(False, None, f"connection failed: {detail}"[:ERROR_LENGTH], took())
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, code, "", took())
    reason = f"HTTP {code}" + (f": {excerpt}" if excerpt else "")
    return Outcome(False, code, reason[:ERROR_LENGTH], took())


def _since(payload: dict[str, Any], event: WebhookEvent) -> datetime:
    raw = payload.get("since")
    if isinstance(raw, str):
        try:
            return as_utc(datetime.fromisoformat(raw))
        except ValueError:
            pass
    return as_utc(event.created_at)


async def deliver(
    database: Database,
    payload: dict[str, Any],
    *,
    server_secret: bytes,
    timeout: float = TIMEOUT_SECONDS,
) -> None:
    event_id = int(payload["event_id"])
    number = int(payload.get("attempt", 1))
    async with database.transaction() as session:
        event = await repository.event(session, event_id)
        if event is None or event.state != "pending" or event.attempts >= number:
            return  # done, given up, or this attempt was already made
        merchant = await session.get(Merchant, event.merchant_id)
        url = merchant.webhook_url if merchant else ""
        sealed = merchant.webhook_secret_encrypted if merchant else ""
        msg_id, body, since = event.msg_id, event.payload, _since(payload, event)

    attempted_at = clock.now()
    if not url or not sealed:
        outcome = Outcome(False, None, "webhooks are turned off", 0, retry=False)
    else:
        try:
            secret = signing.open_secret(server_secret, event.merchant_id, sealed)
        except signing.UnreadableSecret:
            log.error("webhook secret of merchant %s cannot be opened", event.merchant_id)
            outcome = Outcome(False, None, "the signing secret cannot be read by the server", 0)
        else:
            timestamp = int(attempted_at.timestamp())
            outcome = await post(
                url, signing.headers(secret, msg_id, timestamp, body), body, timeout
            )

    async with database.transaction() as session:
        event = await repository.event(session, event_id, for_update=True)
        if event is None:
            return
        event.attempts += 1
        session.add(
            WebhookAttempt(
                event_id=event.id,
                number=event.attempts,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                attempted_at=attempted_at,
            )
        )
        if url:
            event.url = url  # where this attempt went: the merchant's URL at the time
        now = clock.now()
        if outcome.delivered:
            event.state = "delivered"
            event.delivered_at = now
            event.next_attempt_at = None
            return
        if event.state != "pending":
            return  # another attempt finished the event meanwhile
        wait = delay_after(event.attempts)
        if outcome.retry and now + wait <= since + RETRY_WINDOW:
            await enqueue_attempt(session, event, event.attempts + 1, since, wait)
        else:
            event.state = "failed"
            event.next_attempt_at = None
            log.warning(
                "webhook %s failed after %s attempts: %s",
                event.msg_id,
                event.attempts,
                outcome.error,
            )


def handlers(settings: Settings, timeout: float = TIMEOUT_SECONDS) -> dict[str, outbox.Handler]:
    """The delivery handler bound to these settings (the worker merges it into its handlers)."""
    return {DELIVER_JOB: partial(deliver, server_secret=settings.server_secret, timeout=timeout)}
