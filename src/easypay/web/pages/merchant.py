"""The merchant dashboard: applying (and where the application stands), payments (search, one
payment, cancel), and the keys-and-settings page (CIDs, fee, key issue/rotation, settlement
account). Settlements and webhooks have their own pages (merchant_settlements/_webhooks).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.identity.service import Principal
from easypay.merchant import service
from easypay.merchant.errors import MerchantPaymentNotFound
from easypay.merchant.service import PAYMENT_STATUSES, PaymentSearch
from easypay.models import Merchant, Payment
from easypay.money.banks import BANK_NAMES
from easypay.money.dependencies import bank_of
from easypay.payment import service as payment_service
from easypay.payment.errors import CancelFailed
from easypay.web.forms import parse_amount, parse_date, parse_id, read_form
from easypay.web.i18n import MESSAGES, error_text, translate
from easypay.web.merchant_visitor import WebMerchant
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, get_visitor, settings_of

router = page_router()

PAGE_SIZE = 20
APPLY_FIELDS = ("name", "business_number", "bank_code", "account_number")
SEARCH_FIELDS = ("order_id", "tid", "from", "to", "status")


def merchant_error(error: EasyPayError, lang: str) -> str:
    """A sentence for a refusal on the merchant pages (this package's codes first)."""
    if isinstance(error, CancelFailed):
        if "must be between 1 and" in error.detail:
            remaining = int(error.detail.rsplit(" ", 1)[-1])
            return translate("merchant.error.over_cancel", lang, amount=f"{remaining:,}")
        if error.detail.startswith("cancel_available_amount"):
            return translate("merchant.error.stale_cancel", lang)
        return translate("merchant.error.cancel_failed", lang, detail=error.detail)
    key = f"merchant.error.{error.code}"
    if key in MESSAGES:
        return translate(key, lang)
    return error_text(error, lang)


async def _payment(db: AsyncSession, merchant: Merchant, tid: str, lang: str) -> Payment:
    """One of this merchant's payments; another's is a 404 page in the visitor's language."""
    try:
        return await service.payment(db, merchant, tid)
    except MerchantPaymentNotFound as error:
        raise MerchantPaymentNotFound(merchant_error(error, lang)) from error


# --- apply ------------------------------------------------------------------------------------


async def _apply_page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    application = await service.application_of(db, principal.user)
    cids = await service.cids(db, application) if application is not None else []
    context: dict[str, Any] = {
        "application": application,
        "cids": [cid.cid for cid in cids],
        "business_number": service.format_business_number(
            application.business_number if application else ""
        ),
        "banks": list(BANK_NAMES.items()),
        "form": form or {},
        "error": error,
    }
    return await render(request, "merchant/apply.html", context, status_code)


@router.get("/merchant/apply")
async def apply_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    if await service.merchant_of(db, principal.user) is not None:
        return await redirect(request, "/merchant")
    return await _apply_page(request, db, principal)


@router.post("/merchant/apply")
async def apply(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    kept = {name: form.get(name, "")[:100] for name in APPLY_FIELDS}
    try:
        await service.apply(
            db,
            bank_of(request),
            principal.user,
            kept["name"],
            kept["business_number"],
            kept["bank_code"],
            kept["account_number"],
        )
    except EasyPayError as failure:
        await db.rollback()
        message = merchant_error(failure, visitor.lang)
        return await _apply_page(request, db, principal, kept, message, failure.status)
    return await redirect(request, with_notice("/merchant/apply", "merchant_applied"))


# --- payments ---------------------------------------------------------------------------------


def _search_of(request: Request) -> tuple[dict[str, str], PaymentSearch | None]:
    raw = {name: request.query_params.get(name, "").strip()[:100] for name in SEARCH_FIELDS}
    date_from, date_to = parse_date(raw["from"]), parse_date(raw["to"])
    if (raw["from"] and date_from is None) or (raw["to"] and date_to is None):
        return raw, None
    status = raw["status"] if raw["status"] in PAYMENT_STATUSES else ""
    raw["status"] = status
    return raw, PaymentSearch(raw["order_id"], raw["tid"], date_from, date_to, status)


@router.get("/merchant")
async def payments_page(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    merchant = await service.merchant_of(db, principal.user)
    if merchant is None:  # not applied yet, or pending / rejected / suspended
        return await redirect(request, "/merchant/apply")
    filters, search = _search_of(request)
    before = parse_id(request.query_params.get("before"))
    error = None
    payments: list[Payment] = []
    next_query = None
    if search is None:
        error = translate("merchant.payments.bad_date", visitor.lang)
    else:
        try:
            found = await service.search_payments(db, merchant, search, before, PAGE_SIZE)
        except EasyPayError as failure:
            error = merchant_error(failure, visitor.lang)
        else:
            payments = found.items
            if found.next_before is not None:
                kept = {name: value for name, value in filters.items() if value}
                next_query = urlencode({**kept, "before": str(found.next_before)})
    filtered = {name: value for name, value in filters.items() if value}
    context: dict[str, Any] = {
        "merchant": merchant,
        "section": "payments",
        "wide": True,
        "filters": filters,
        "statuses": PAYMENT_STATUSES,
        "payments": payments,
        "next_query": next_query,
        "first_query": urlencode(filtered) if before is not None else None,
        "error": error,
    }
    return await render(request, "merchant/payments.html", context, 422 if error else 200)


async def _payment_page(
    request: Request,
    db: AsyncSession,
    merchant: Merchant,
    tid: str,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    payment = await _payment(db, merchant, tid, (await get_visitor(request)).lang)
    context: dict[str, Any] = {
        "merchant": merchant,
        "section": "payments",
        "wide": True,
        "payment": payment,
        "actions": await service.payment_actions(db, payment),
        "remaining": payment.total_amount - payment.canceled_amount,
        "cancelable": payment.status in payment_service.PAID,
        "form": form or {},
        "error": error,
    }
    return await render(request, "merchant/payment.html", context, status_code)


@router.get("/merchant/payments/{tid}")
async def payment_page(
    request: Request, tid: str, merchant: WebMerchant, db: DbSession
) -> Response:
    return await _payment_page(request, db, merchant, tid[:20])


@router.post("/merchant/payments/{tid}/cancel")
async def cancel(
    request: Request, tid: str, merchant: WebMerchant, visitor: CurrentVisitor, db: DbSession
) -> Response:
    tid = tid[:20]
    form = await read_form(request)
    kept = {name: form.get(name, "")[:20] for name in ("amount", "tax_free")}
    payment = await _payment(db, merchant, tid, visitor.lang)  # another merchant's: not found
    amount = parse_amount(kept["amount"])
    tax_free = parse_amount(kept["tax_free"] or "0")
    # The cancelable amount the page showed: a second post of the same form is refused.
    shown = parse_amount(form.get("remaining", ""))
    if amount is None or tax_free is None:
        message = translate("merchant.payment.bad_amount", visitor.lang)
        return await _payment_page(request, db, merchant, tid, message, 422, kept)
    try:
        await payment_service.cancel(db, merchant, payment.cid, tid, amount, tax_free, None, shown)
    except EasyPayError as failure:
        await db.rollback()
        await db.refresh(merchant)
        message = merchant_error(failure, visitor.lang)
        return await _payment_page(request, db, merchant, tid, message, 409, kept)
    return await redirect(request, with_notice(f"/merchant/payments/{tid}", "merchant_canceled"))


# --- keys and settings ------------------------------------------------------------------------


async def _keys_page(
    request: Request,
    db: AsyncSession,
    merchant: Merchant,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    issued: service.IssuedKeys | None = None,
) -> Response:
    visitor = await get_visitor(request)
    owner = visitor.principal.user.name if visitor.principal else ""
    context: dict[str, Any] = {
        "merchant": merchant,
        "section": "keys",
        "wide": True,
        "cids": await service.cids(db, merchant),
        "keys_issued": service.keys_issued(merchant),
        "fee_percent": f"{merchant.fee_bp / 100:g}",
        "business_number": service.format_business_number(merchant.business_number),
        "owner_name": owner,
        "banks": list(BANK_NAMES.items()),
        "form": form or {},
        "issued": issued,
        "error": error,
    }
    return await render(request, "merchant/keys.html", context, status_code)


@router.get("/merchant/keys")
async def keys_page(request: Request, merchant: WebMerchant, db: DbSession) -> Response:
    return await _keys_page(request, db, merchant)


@router.post("/merchant/keys/rotate")
async def rotate_keys(
    request: Request,
    principal: WebPrincipal,
    merchant: WebMerchant,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    form = await read_form(request)
    # The password check counts wrong tries in its own transaction: on SQLite it must not wait
    # on the lock this request's session took when it looked the merchant up.
    await db.rollback()
    try:
        await service.confirm_password(
            database_of(request), settings_of(request), principal.user, form.get("password", "")
        )
    except EasyPayError as failure:
        await db.refresh(merchant)
        message = merchant_error(failure, visitor.lang)
        return await _keys_page(request, db, merchant, message, failure.status)
    await db.refresh(merchant)
    issued = await service.rotate_keys(db, merchant)
    # Shown in this answer only (no redirect, no-store): the keys are kept as digests.
    return await _keys_page(request, db, merchant, issued=issued)


@router.post("/merchant/settlement-account")
async def set_settlement_account(
    request: Request, merchant: WebMerchant, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    kept = {name: form.get(name, "")[:30] for name in ("bank_code", "account_number")}
    # The bank is asked outside this request's transaction: on SQLite the sandbox bank, in the
    # same database, would wait on the lock the merchant lookup took.
    await db.rollback()
    try:
        account = await service.inquire_account(
            bank_of(request), kept["bank_code"], kept["account_number"]
        )
        await db.refresh(merchant)
        await service.set_settlement_account(db, merchant, account)
    except EasyPayError as failure:
        await db.rollback()
        await db.refresh(merchant)
        message = merchant_error(failure, visitor.lang)
        return await _keys_page(request, db, merchant, message, failure.status, kept)
    return await redirect(request, with_notice("/merchant/keys", "merchant_account_set"))
