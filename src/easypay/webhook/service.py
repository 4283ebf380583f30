"""A merchant's webhook endpoint (set, rotate the secret, turn off) and its event log (list, one
event with its attempts, resend)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.kit.clock import clock
from easypay.models import Merchant, WebhookAttempt, WebhookEvent
from easypay.webhook import delivery, repository, signing
from easypay.webhook.errors import InvalidWebhookUrl, WebhookEventNotFound, WebhooksOff

MAX_URL_LENGTH = 255
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str | None = None  # only right after it was made: never shown again

    @property
    def enabled(self) -> bool:
        return bool(self.url)


def valid_url(raw: str) -> str:
    """An https URL (http only for this machine), without credentials or a fragment."""
    url = raw
    if not url or len(url) > MAX_URL_LENGTH or not url.isascii():
        raise InvalidWebhookUrl()
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidWebhookUrl()
    try:
        parts = urlsplit(url)
        port = parts.port  # a bad port raises here
    except ValueError as error:
        raise InvalidWebhookUrl() from error
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None or parts.fragment:
        raise InvalidWebhookUrl()
    if port == 0:
        raise InvalidWebhookUrl()
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        return url
    if parts.scheme == "http":
        raise InvalidWebhookUrl("http:// is only for localhost; use https://.")
    raise InvalidWebhookUrl()


async def _locked(session: AsyncSession, merchant: Merchant) -> Merchant:
    row = await repository.merchant(session, merchant.id, for_update=True)
    assert row is not None, "the merchant was authenticated in this request"
    return row


def endpoint(merchant: Merchant) -> Endpoint:
    return Endpoint(merchant.webhook_url)


async def configure(
    session: AsyncSession, server_secret: bytes, merchant: Merchant, url: str
) -> Endpoint:
    """Set where events go; the first time (or after turning off), make the signing secret."""
    clean = valid_url(url)
    row = await _locked(session, merchant)
    row.webhook_url = clean
    secret = None
    if not row.webhook_secret_encrypted:
        secret = signing.new_secret()
        row.webhook_secret_encrypted = signing.seal_secret(server_secret, row.id, secret)
    await session.flush()
    return Endpoint(clean, secret)


async def rotate_secret(
    session: AsyncSession, server_secret: bytes, merchant: Merchant
) -> Endpoint:
    """A new signing secret; the old one stops working at once (retries are signed anew)."""
    row = await _locked(session, merchant)
    if not row.webhook_url:
        raise WebhooksOff()
    secret = signing.new_secret()
    row.webhook_secret_encrypted = signing.seal_secret(server_secret, row.id, secret)
    await session.flush()
    return Endpoint(row.webhook_url, secret)


async def turn_off(session: AsyncSession, merchant: Merchant) -> None:
    """No more events; the secret is forgotten (turning on again makes a new one). Events still
    waiting fail at their next attempt; the log stays."""
    row = await _locked(session, merchant)
    row.webhook_url = ""
    row.webhook_secret_encrypted = ""
    await session.flush()


async def events(
    session: AsyncSession,
    merchant: Merchant,
    cursor: int | None,
    limit: int,
    state: str | None = None,
) -> list[WebhookEvent]:
    return await repository.events_page(session, merchant.id, cursor, limit, state)


async def attempts(
    session: AsyncSession, events: list[WebhookEvent]
) -> dict[int, list[WebhookAttempt]]:
    return await repository.attempts_of(session, [event.id for event in events])


async def event(
    session: AsyncSession, merchant: Merchant, msg_id: str
) -> tuple[WebhookEvent, list[WebhookAttempt]]:
    found = await repository.event_of(session, merchant.id, msg_id)
    if found is None:
        raise WebhookEventNotFound()
    return found, (await repository.attempts_of(session, [found.id]))[found.id]


async def resend(session: AsyncSession, merchant: Merchant, msg_id: str) -> WebhookEvent:
    """Send the event again now (even if it was delivered), retrying on the usual schedule for
    3 days from now."""
    row = await _locked(session, merchant)
    if not row.webhook_url:
        raise WebhooksOff()
    found = await repository.event_of(session, merchant.id, msg_id, for_update=True)
    if found is None:
        raise WebhookEventNotFound()
    found.state = "pending"
    found.delivered_at = None
    await delivery.enqueue_attempt(session, found, found.attempts + 1, clock.now(), timedelta(0))
    await session.flush()
    return found
