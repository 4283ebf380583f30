"""The hosted checkout: where a shop's `ready` sends the buyer to choose Pay Money or a card and
pay with the PIN (the money is held or the card authorised, and the browser goes back to the
shop's approval_url with a pg_token), or to quit. Five wrong PINs fail the payment
(FAIL_AUTH_PASSWORD) and send the buyer to the shop's fail_url.

The method choice, the PIN check, the auto-charge and the card issuer's authorisation each run
before the request's session writes (on SQLite it would otherwise hold the write lock they need).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card import service as cards
from easypay.card.dependencies import card_issuer_of
from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.identity.errors import PinLocked
from easypay.identity.service import Principal
from easypay.models import Payment
from easypay.money import service as money
from easypay.money.dependencies import bank_of
from easypay.payment import card_jobs, checkout, service
from easypay.payment.checkout import Checkout
from easypay.payment.errors import PaymentExpired, PaymentNotFound
from easypay.security_headers import content_security_policy
from easypay.web.forms import parse_payment_method, read_form
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import redirect, render
from easypay.web.route import error_page, page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()


async def _not_found(request: Request, lang: str) -> Response:
    return await error_page(
        request, 404, "error.not_found_title", translate("checkout.not_found", lang)
    )


async def _page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    found: Checkout,
    error: str | None = None,
    status_code: int = 200,
    form_choice: str = "",
) -> Response:
    user = principal.user
    balance = await money.balance(db, user)
    payment = found.payment
    amount = payment.total_amount
    context: dict[str, Any] = {
        "checkout": found,
        "payment": payment,
        "balance": balance,
        "short": max(0, amount - balance.available),
        "cards": await cards.cards_of(db, user),
        "money_allowed": payment.allowed_method in ("", "MONEY"),
        "cards_allowed": payment.allowed_method in ("", "CARD"),
        "chosen": form_choice or _default_choice(payment),
        "install_months": range(service.MAX_INSTALL_MONTH + 1),
        "bare": True,
        "error": error,
    }
    response = await render(request, "checkout/pay.html", context, status_code)
    # The pay and quit forms end on the shop's pages.
    response.headers["content-security-policy"] = content_security_policy(
        checkout.shop_origins(found.payment)
    )
    return response


@router.get("/checkout/{tid}")
async def checkout_page(
    request: Request, tid: str, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    try:
        found = await checkout.open_checkout(db, tid)
    except PaymentNotFound:
        return await _not_found(request, visitor.lang)
    return await _page(request, db, principal, found)


@router.post("/checkout/{tid}/pay")
async def pay(
    request: Request, tid: str, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    user, lang = principal.user, visitor.lang
    settings, database = settings_of(request), database_of(request)
    pin = form.get("pin", "").strip()
    try:
        async with database.transaction() as session:
            found = await checkout.find_checkout(session, tid)
    except PaymentNotFound:
        return await _not_found(request, lang)
    payment = found.payment
    if found.state == "failed":
        return await redirect(request, checkout.shop_url(payment.fail_url))
    if found.state != "waiting":
        return await _page(request, db, principal, found, status_code=409)
    choice = form.get("method", "")
    method, card_id = parse_payment_method(choice)
    if len(pin) != 6 or not pin.isdigit():
        error = translate("move.pin_required", lang)
        return await _page(request, db, principal, found, error, 422, choice)
    issuer = card_issuer_of(request)
    approval_id: str | None = None
    try:
        async with database.transaction() as session:
            payment, card = await service.select_method(
                session, user, tid, method, card_id, _months(form.get("install_month", ""))
            )
        try:
            await identity.check_pin(database, settings, user.id, pin)
        except PinLocked:
            async with database.transaction() as session:
                await service.fail_pin(session, tid)
            return await redirect(request, checkout.shop_url(payment.fail_url))
        if card is None:
            await money.auto_charge(
                database,
                bank_of(request),
                settings,
                user,
                payment.total_amount,
                f"web:{user.id}:checkout:{payment.tid}:charge",
            )
        else:
            approval_id = await checkout.authorize_card(issuer, payment, card, found.merchant_name)
        _, token = await service.authorize(db, settings, user, tid, approval_id)
    except EasyPayError as failure:
        await db.rollback()
        if approval_id is not None:
            # (if this fails too, the worker's expiry releases it: the method is CARD)
            await card_jobs.release(
                issuer,
                card_jobs.release_request_id(payment.tid),
                approval_id,
                payment.total_amount,
            )
        if isinstance(failure, PaymentExpired):
            return await redirect(request, checkout.shop_url(payment.fail_url))
        found = await checkout.find_checkout(db, tid)
        message = error_text(failure, lang)
        return await _page(request, db, principal, found, message, failure.status, choice)
    approval = checkout.with_pg_token(checkout.shop_url(payment.approval_url), token)
    return await redirect(request, approval)


def _default_choice(payment: Payment) -> str:
    return "CARD" if payment.allowed_method == "CARD" else "MONEY"


def _months(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) <= 2 else None


@router.post("/checkout/{tid}/quit")
async def quit_checkout(
    request: Request, tid: str, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    try:
        payment = await service.quit_checkout(db, tid)
    except PaymentNotFound:
        return await _not_found(request, visitor.lang)
    found = await checkout.find_checkout(db, tid)
    if payment.status == "QUIT_PAYMENT":
        return await redirect(request, checkout.shop_url(payment.cancel_url))
    return await _page(request, db, principal, found, status_code=409)
