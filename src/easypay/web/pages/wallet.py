"""The wallet: home (balance and shortcuts), charge, withdraw, and the result of each."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.identity.service import Principal
from easypay.kit.ids import PathId
from easypay.kit.money import format_krw
from easypay.money import service as money
from easypay.money.dependencies import bank_of
from easypay.money.errors import OperationNotFound
from easypay.web import csrf
from easypay.web.forms import parse_amount, parse_id, read_form, valid_nonce
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import is_htmx, redirect, render
from easypay.web.route import error_page, page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()

Kind = Literal["charge", "withdraw"]
RECENT_ITEMS = 5


@router.get("/")
async def home(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    user = principal.user
    balance = await money.balance(db, user)
    links = await money.linked_accounts(db, user)
    recent = await money.history(db, user, [], None, None, None, RECENT_ITEMS)
    return await render(
        request, "wallet/home.html", {"balance": balance, "links": links, "recent": recent}
    )


# --- charge and withdraw ----------------------------------------------------------------------


async def _move_page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    kind: Kind,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    user = principal.user
    balance = await money.balance(db, user)
    cap = settings_of(request).money_holding_cap
    context: dict[str, Any] = {
        "kind": kind,
        "links": await money.linked_accounts(db, user),
        "balance": balance,
        "room": max(0, cap - balance.posted - balance.incoming),
        # A one-time key for this form: sending it twice resumes the same bank operation.
        "nonce": csrf.new_nonce(),
        "form": form or {},
        "error": error,
    }
    return await render(request, "wallet/move.html", context, status_code)


async def _move_form(
    request: Request, principal: Principal, db: AsyncSession, kind: Kind
) -> Response:
    if principal.user.pin_hash is None:
        return await redirect(request, f"/pin/set?next=/{kind}")
    return await _move_page(request, db, principal, kind)


async def _move(
    request: Request, principal: Principal, lang: str, db: AsyncSession, kind: Kind
) -> Response:
    form = await read_form(request)
    kept = {"link_id": form.get("link_id", ""), "amount": form.get("amount", "")}
    settings = settings_of(request)
    link_id = parse_id(form.get("link_id"))
    amount = parse_amount(form.get("amount", ""))
    pin = form.get("pin", "")
    nonce = form.get("nonce", "")
    problem: str | None = None
    if link_id is None:
        problem = translate("move.choose_account", lang)
    elif amount is None or amount == 0:
        problem = translate("move.bad_amount", lang)
    elif kind == "charge" and not settings.charge_min <= amount <= settings.money_holding_cap:
        low, high = format_krw(settings.charge_min), format_krw(settings.money_holding_cap)
        problem = translate("charge.range", lang, low=low, high=high)
    elif len(pin) != 6 or not pin.isdigit():
        problem = translate("move.pin_required", lang)
    elif not valid_nonce(nonce):
        problem = translate("error.csrf", lang)
    if problem is not None or link_id is None or amount is None:
        return await _move_page(request, db, principal, kind, kept, problem, 422)

    database, user = database_of(request), principal.user
    # The request's own session stays unused until the bank operation is over (on SQLite an
    # open write transaction here would block the service's own transactions).
    request_key = f"web:{user.id}:{kind}:{nonce}"
    try:
        await identity.check_pin(database, settings, user.id, pin)
        if kind == "charge":
            operation = await money.charge(
                database, bank_of(request), settings, user, link_id, amount, request_key
            )
        else:
            operation = await money.withdraw(
                database, bank_of(request), settings, user, link_id, amount, request_key
            )
    except EasyPayError as failure:
        error = error_text(failure, lang)
        return await _move_page(request, db, principal, kind, kept, error, failure.status)
    return await redirect(request, f"/operations/{operation.id}")


@router.get("/charge")
async def charge_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    return await _move_form(request, principal, db, "charge")


@router.post("/charge")
async def charge(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    return await _move(request, principal, visitor.lang, db, "charge")


@router.get("/withdraw")
async def withdraw_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    return await _move_form(request, principal, db, "withdraw")


@router.post("/withdraw")
async def withdraw(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    return await _move(request, principal, visitor.lang, db, "withdraw")


@router.get("/operations/{operation_id}")
async def operation_page(
    request: Request,
    operation_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    user = principal.user
    try:
        operation = await money.operation_of(db, user, operation_id)
    except OperationNotFound:
        return await error_page(
            request, 404, "error.not_found_title", translate("error.not_found", visitor.lang)
        )
    links = {link.id: link for link in await money.linked_accounts(db, user)}
    context = {
        "operation": operation,
        "link": links.get(operation.bank_link_id or 0),
        "balance": await money.balance(db, user),
    }
    template = "wallet/_operation_status.html" if is_htmx(request) else "wallet/operation.html"
    return await render(request, template, context)
