"""The payment PIN: set (right after sign-up), change (old PIN), reset (password)."""

from __future__ import annotations

from fastapi import Request, Response

from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.identity.errors import PinAlreadySet
from easypay.money import service as money
from easypay.web.forms import read_form
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import redirect, render, safe_next, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()


def _pin_mismatch(form: dict[str, str]) -> bool:
    return form.get("pin", "") != form.get("pin_confirm", "")


@router.get("/pin/set")
async def set_pin_page(request: Request, principal: WebPrincipal) -> Response:
    if principal.user.pin_hash is not None:
        return await redirect(request, "/pin/change")
    next_url = request.query_params.get("next")
    return await render(request, "pin/set.html", {"next": safe_next(next_url) if next_url else ""})


@router.post("/pin/set")
async def set_pin(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    next_url = safe_next(form["next"]) if form.get("next") else ""
    context = {"next": next_url}
    if _pin_mismatch(form):
        error = translate("pin.mismatch", visitor.lang)
        return await render(request, "pin/set.html", {**context, "error": error}, 422)
    user = principal.user
    try:
        await identity.set_pin(db, settings_of(request).server_secret, user, form.get("pin", ""))
    except PinAlreadySet:
        return await redirect(request, "/pin/change")
    except EasyPayError as failure:
        await db.rollback()
        error = error_text(failure, visitor.lang)
        return await render(request, "pin/set.html", {**context, "error": error}, failure.status)
    if next_url:
        return await redirect(request, next_url)
    has_account = bool(await money.linked_accounts(db, user))
    return await redirect(request, with_notice("/" if has_account else "/accounts/link", "pin_set"))


@router.get("/pin/change")
async def change_pin_page(request: Request, principal: WebPrincipal) -> Response:
    if principal.user.pin_hash is None:
        return await redirect(request, "/pin/set")
    return await render(request, "pin/change.html")


@router.post("/pin/change")
async def change_pin(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    form = await read_form(request)
    if _pin_mismatch(form):
        return await render(
            request, "pin/change.html", {"error": translate("pin.mismatch", visitor.lang)}, 422
        )
    try:
        await identity.change_pin(
            database_of(request),
            settings_of(request),
            principal.user,
            form.get("old_pin", ""),
            form.get("pin", ""),
        )
    except EasyPayError as failure:
        error = error_text(failure, visitor.lang)
        return await render(request, "pin/change.html", {"error": error}, failure.status)
    return await redirect(request, with_notice("/settings", "pin_changed"))


@router.get("/pin/reset")
async def reset_pin_page(request: Request, principal: WebPrincipal) -> Response:
    return await render(request, "pin/reset.html")


@router.post("/pin/reset")
async def reset_pin(request: Request, principal: WebPrincipal, visitor: CurrentVisitor) -> Response:
    form = await read_form(request)
    if _pin_mismatch(form):
        return await render(
            request, "pin/reset.html", {"error": translate("pin.mismatch", visitor.lang)}, 422
        )
    try:
        await identity.reset_pin(
            database_of(request),
            settings_of(request),
            principal.user,
            form.get("password", ""),
            form.get("pin", ""),
        )
    except EasyPayError as failure:
        error = error_text(failure, visitor.lang)
        return await render(request, "pin/reset.html", {"error": error}, failure.status)
    return await redirect(request, with_notice("/settings", "pin_reset"))
