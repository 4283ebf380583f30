"""The wallet's in-store payment code (`/pay/code`): after the payment PIN, a one-time code as
a Code128 barcode, a QR code and spaced digits, with a countdown and a refresh button.

The code is shown only in the answer to a POST (never in a URL, never cached): the PIN post
issues it, and the refresh post replaces it without the PIN when it presents the code on
screen (see payment/codes.py). The PIN check runs in its own transaction before the request's
session is used (on SQLite that session would otherwise hold the write lock).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request, Response
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card import service as cards
from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.kit.clock import clock
from easypay.models import Card, User
from easypay.money import service as money
from easypay.payment import codes
from easypay.payment.codes import IssuedCode
from easypay.payment.pos_errors import RefreshRefused
from easypay.web.forms import parse_payment_method, read_form
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import redirect, render
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()
NO_STORE = "no-store"


async def _pin_page(
    request: Request,
    db: AsyncSession,
    user: User,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {"error": error, "cards": await cards.cards_of(db, user)}
    response = await render(request, "pay_code/pin.html", context, status_code)
    response.headers["cache-control"] = NO_STORE
    return response


async def _code_page(
    request: Request, db: AsyncSession, user: User, issued: IssuedCode
) -> Response:
    balance = await money.balance(db, user)
    left = max(0, math.ceil((issued.expires_at - clock.now()).total_seconds()))
    card_id = issued.code.card_id
    card = await db.get(Card, card_id) if card_id is not None else None
    context: dict[str, Any] = {
        "issued": issued,
        "card": card,
        "barcode": Markup(codes.barcode_svg(issued.digits)),  # noqa: S704 - built from digits
        "qr": Markup(codes.qr_svg(issued.digits)),  # noqa: S704 - built from digits
        "seconds_left": left,
        "countdown": f"{left // 60}:{left % 60:02d}",
        "balance": balance,
    }
    response = await render(request, "pay_code/code.html", context)
    response.headers["cache-control"] = NO_STORE
    return response


@router.get("/pay/code")
async def pay_code_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    if principal.user.pin_hash is None:
        return await redirect(request, "/pin/set?next=/pay/code")
    return await _pin_page(request, db, principal.user)


@router.post("/pay/code")
async def show_code(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    user = principal.user
    pin = form.get("pin", "")
    if len(pin) != 6 or not pin.isascii() or not pin.isdigit():
        return await _pin_page(request, db, user, translate("move.pin_required", visitor.lang), 422)
    try:
        method, card_id = parse_payment_method(form.get("method", ""))
        database, settings = database_of(request), settings_of(request)
        async with identity.pin_checked(database, settings, user.id, pin) as session:
            issued = await codes.issue(session, user, method, card_id)
    except EasyPayError as failure:
        await db.rollback()
        return await _pin_page(request, db, user, error_text(failure, visitor.lang), failure.status)
    return await _code_page(request, db, user, issued)


@router.post("/pay/code/refresh")
async def refresh_code(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    user = principal.user
    try:
        issued = await codes.refresh(db, user, form.get("previous", ""))
    except RefreshRefused:
        await db.rollback()
        return await _pin_page(
            request, db, user, translate("pay_code.pin_again", visitor.lang), 403
        )
    except EasyPayError as failure:
        await db.rollback()
        return await _pin_page(request, db, user, error_text(failure, visitor.lang), failure.status)
    return await _code_page(request, db, user, issued)
