"""The merchant dashboard's webhooks tab: set the URL, rotate the signing secret (shown once, on
the page that answers the action), turn webhooks off, and the event log: each event's state and
attempts, every attempt on expanding it, and a resend button."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import DbSession
from easypay.models import Merchant
from easypay.web.forms import parse_id, read_form
from easypay.web.i18n import translate
from easypay.web.merchant_visitor import WebMerchant
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import error_page, page_router
from easypay.web.visitor import CurrentVisitor, settings_of
from easypay.webhook import service
from easypay.webhook.errors import WebhookError, WebhookEventNotFound

router = page_router()

PAGE = "/merchant/webhooks"
PAGE_SIZE = 20


def _error(error: WebhookError, lang: str) -> str:
    key = f"webhooks.error.{error.code}"
    text = translate(key, lang)
    return error.detail if text == key else text


async def _page(
    request: Request,
    db: AsyncSession,
    merchant: Merchant,
    *,
    secret: str | None = None,
    error: str | None = None,
    url: str | None = None,
    status_code: int = 200,
) -> Response:
    cursor = parse_id(request.query_params.get("before"))
    rows = await service.events(db, merchant, cursor, PAGE_SIZE + 1)
    events = rows[:PAGE_SIZE]
    context: dict[str, Any] = {
        "section": "webhooks",
        "wide": True,
        "merchant": merchant,
        "webhook_url": merchant.webhook_url,
        "url_value": merchant.webhook_url if url is None else url,
        "secret": secret,
        "error": error,
        "events": events,
        "attempts": await service.attempts(db, events),
        "next_before": events[-1].id if len(rows) > PAGE_SIZE else None,
        "paged": cursor is not None,
    }
    return await render(request, "merchant/webhooks.html", context, status_code=status_code)


@router.get(PAGE)
async def webhooks_page(request: Request, merchant: WebMerchant, db: DbSession) -> Response:
    return await _page(request, db, merchant)


@router.post(PAGE + "/url")
async def set_url(
    request: Request, merchant: WebMerchant, visitor: CurrentVisitor, db: DbSession
) -> Response:
    url = (await read_form(request)).get("url", "")
    server_secret = settings_of(request).server_secret
    try:
        endpoint = await service.configure(db, server_secret, merchant, url)
    except WebhookError as error:
        message = _error(error, visitor.lang)
        return await _page(request, db, merchant, error=message, url=url, status_code=422)
    if endpoint.secret is None:
        return await redirect(request, with_notice(PAGE, "webhooks_saved"))
    return await _page(request, db, merchant, secret=endpoint.secret)


@router.post(PAGE + "/secret")
async def rotate_secret(
    request: Request, merchant: WebMerchant, visitor: CurrentVisitor, db: DbSession
) -> Response:
    server_secret = settings_of(request).server_secret
    try:
        endpoint = await service.rotate_secret(db, server_secret, merchant)
    except WebhookError as error:
        message = _error(error, visitor.lang)
        return await _page(request, db, merchant, error=message, status_code=409)
    return await _page(request, db, merchant, secret=endpoint.secret)


@router.post(PAGE + "/off")
async def turn_off(request: Request, merchant: WebMerchant, db: DbSession) -> Response:
    await service.turn_off(db, merchant)
    return await redirect(request, with_notice(PAGE, "webhooks_off"))


@router.post(PAGE + "/events/{msg_id}/resend")
async def resend(
    request: Request, msg_id: str, merchant: WebMerchant, visitor: CurrentVisitor, db: DbSession
) -> Response:
    try:
        await service.resend(db, merchant, msg_id)
    except WebhookEventNotFound as error:
        return await error_page(request, 404, "error.not_found_title", _error(error, visitor.lang))
    except WebhookError as error:
        message = _error(error, visitor.lang)
        return await _page(request, db, merchant, error=message, status_code=409)
    return await redirect(request, with_notice(PAGE, "webhooks_resent"))
