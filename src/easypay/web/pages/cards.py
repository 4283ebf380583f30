"""Cards: my registered cards, register one (issuer-checked, PIN), remove one."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import Request, Response

from easypay.card import service as cards
from easypay.card.dependencies import card_issuer_of
from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.kit.ids import PathId
from easypay.web.forms import read_form
from easypay.web.i18n import MESSAGES, error_text, translate
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()

# Kept on the form after a refusal; the PIN and the password digits never are.
KEPT_FIELDS = ("card_number", "expiry", "birth_date", "nickname")


def _form_page(
    request: Request, form: dict[str, str], error: str | None = None, status: int = 200
) -> Awaitable[Response]:
    settings = settings_of(request)
    # The published test card is shown only while the card issuer is the built-in sandbox.
    sandbox = settings.mount_sandbox and settings.card_issuer_base_url is None
    context = {"form": form, "error": error, "sandbox": sandbox}
    return render(request, "cards/register.html", context, status)


def _error(failure: EasyPayError, lang: str) -> str:
    key = f"cards.error.{failure.code}"
    return translate(key, lang) if key in MESSAGES else error_text(failure, lang)


@router.get("/cards")
async def cards_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    return await render(
        request, "cards/list.html", {"cards": await cards.cards_of(db, principal.user)}
    )


@router.get("/cards/register")
async def register_page(request: Request, principal: WebPrincipal) -> Response:
    if principal.user.pin_hash is None:
        return await redirect(request, "/pin/set?next=/cards/register")
    return await _form_page(request, {})


@router.post("/cards/register")
async def register(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    kept = {name: form.get(name, "") for name in KEPT_FIELDS}
    user, lang = principal.user, visitor.lang
    pin = form.get("pin", "")
    try:
        details = cards.check_details(
            user,
            form.get("card_number", ""),
            form.get("expiry", ""),
            form.get("birth_date", ""),
            form.get("password_two_digits", ""),
            form.get("nickname", ""),
        )
        if len(pin) != 6 or not pin.isascii() or not pin.isdigit():
            return await _form_page(request, kept, translate("cards.pin_required", lang), 422)
        # The request's session stays unused until the issuer has answered (see card.service).
        database, settings = database_of(request), settings_of(request)
        await identity.check_pin(database, settings, user.id, pin)
        await cards.register(database, db, card_issuer_of(request), settings, user, details)
    except EasyPayError as failure:
        await db.rollback()
        return await _form_page(request, kept, _error(failure, lang), failure.status)
    return await redirect(request, with_notice("/cards", "cards.registered"))


@router.post("/cards/{card_id}/remove")
async def remove(
    request: Request, card_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    await cards.remove(db, principal.user, card_id)
    return await redirect(request, with_notice("/cards", "cards.removed"))
