"""The merchant's webhook API: set the endpoint (the signing secret is shown once), rotate the
secret, turn off, and read the event log with every delivery attempt; resend an event.

Authenticated with the merchant's key (`Authorization: SECRET_KEY <secret key>`, or the admin
key as `KakaoAK <admin key>`); errors are EasyPay's `{"error", "detail"}`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyHeader

from easypay.config import AppSettings
from easypay.db import DbSession
from easypay.errors import error_responses
from easypay.kit.ids import MAX_ID
from easypay.kit.pagination import Page
from easypay.models import Merchant, WebhookAttempt, WebhookEvent
from easypay.payment.errors import AuthenticationFailed
from easypay.payment.wire import authenticate
from easypay.webhook import service
from easypay.webhook.errors import (
    InvalidWebhookUrl,
    MerchantKeyRequired,
    WebhookEventNotFound,
    WebhooksOff,
)
from easypay.webhook.schemas import (
    EventState,
    WebhookAttemptRead,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEventDetail,
    WebhookEventRead,
)

router = APIRouter(prefix="/api/v1/merchant/webhook", tags=["webhooks"])

# Declared for OpenAPI's "Authorize" button; the check itself is `authenticate`.
_key_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`SECRET_KEY <secret key>` (or `KakaoAK <admin key>`).",
)


async def _merchant(request: Request, _: Annotated[str | None, Depends(_key_header)]) -> Merchant:
    scheme = request.headers.get("authorization", "").partition(" ")[0]
    try:
        return await authenticate(request, "current" if scheme == "SECRET_KEY" else "legacy")
    except AuthenticationFailed as error:
        raise MerchantKeyRequired() from error


MerchantKey = Annotated[Merchant, Depends(_merchant)]


def event_read(event: WebhookEvent) -> WebhookEventRead:
    return WebhookEventRead(**_event_fields(event))


def _event_fields(event: WebhookEvent) -> dict[str, Any]:
    return {
        "msg_id": event.msg_id,
        "type": event.type,
        "state": event.state,
        "attempts": event.attempts,
        "url": event.url,
        "created_at": event.created_at,
        "next_attempt_at": event.next_attempt_at,
        "delivered_at": event.delivered_at,
        "payload": json.loads(event.payload),
    }


def attempt_read(attempt: WebhookAttempt) -> WebhookAttemptRead:
    return WebhookAttemptRead(
        number=attempt.number,
        attempted_at=attempt.attempted_at,
        status_code=attempt.status_code,
        error=attempt.error,
        duration_ms=attempt.duration_ms,
    )


def endpoint_read(endpoint: service.Endpoint) -> WebhookEndpointRead:
    return WebhookEndpointRead(url=endpoint.url, enabled=endpoint.enabled, secret=endpoint.secret)


@router.get(
    "",
    summary="Where webhooks go",
    responses=error_responses(MerchantKeyRequired),
)
async def read_endpoint(merchant: MerchantKey) -> WebhookEndpointRead:
    return endpoint_read(service.endpoint(merchant))


@router.put(
    "",
    summary="Set the webhook URL (the signing secret is returned once, when it is made)",
    responses=error_responses(MerchantKeyRequired, InvalidWebhookUrl),
)
async def set_endpoint(
    body: WebhookEndpointUpdate, merchant: MerchantKey, db: DbSession, settings: AppSettings
) -> WebhookEndpointRead:
    endpoint = await service.configure(db, settings.server_secret, merchant, body.url)
    return endpoint_read(endpoint)


@router.post(
    "/secret",
    summary="Rotate the signing secret (shown once; the old one stops working at once)",
    responses=error_responses(MerchantKeyRequired, WebhooksOff),
)
async def rotate_secret(
    merchant: MerchantKey, db: DbSession, settings: AppSettings
) -> WebhookEndpointRead:
    return endpoint_read(await service.rotate_secret(db, settings.server_secret, merchant))


@router.delete(
    "",
    status_code=204,
    summary="Turn webhooks off (the secret is forgotten)",
    responses=error_responses(MerchantKeyRequired),
)
async def turn_off(merchant: MerchantKey, db: DbSession) -> Response:
    await service.turn_off(db, merchant)
    return Response(status_code=204)


@router.get(
    "/events",
    summary="Webhook events, newest first",
    responses=error_responses(MerchantKeyRequired),
)
async def list_events(
    merchant: MerchantKey,
    db: DbSession,
    state: Annotated[EventState | None, Query(description="Only events in this state.")] = None,
    cursor: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
) -> Page[WebhookEventRead]:
    rows = await service.events(db, merchant, cursor, limit + 1, state)
    items = [event_read(event) for event in rows[:limit]]
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return Page[WebhookEventRead](items=items, next_cursor=next_cursor)


@router.get(
    "/events/{msg_id}",
    summary="One event with every delivery attempt",
    responses=error_responses(MerchantKeyRequired, WebhookEventNotFound),
)
async def read_event(msg_id: str, merchant: MerchantKey, db: DbSession) -> WebhookEventDetail:
    event, attempts = await service.event(db, merchant, msg_id)
    return WebhookEventDetail(
        **_event_fields(event), attempt_log=[attempt_read(a) for a in attempts]
    )


@router.post(
    "/events/{msg_id}/resend",
    status_code=202,
    summary="Send an event again now (retried on the usual schedule)",
    responses=error_responses(MerchantKeyRequired, WebhookEventNotFound, WebhooksOff),
)
async def resend(msg_id: str, merchant: MerchantKey, db: DbSession) -> WebhookEventRead:
    return event_read(await service.resend(db, merchant, msg_id))
