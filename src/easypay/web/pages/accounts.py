"""Linked bank accounts: list, link (real-name checked by the bank, consent recorded), unlink."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from easypay.db import DbSession
from easypay.errors import EasyPayError
from easypay.kit.ids import PathId
from easypay.models import BankLink
from easypay.money import service as money
from easypay.money.banks import BANK_NAMES
from easypay.money.dependencies import bank_of
from easypay.money.errors import HolderNameMismatch
from easypay.web.forms import read_form
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal

router = page_router()


@router.get("/accounts")
async def accounts_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    links = await money.linked_accounts(db, principal.user)
    return await render(request, "accounts/list.html", {"links": links})


def _link_context(links: list[BankLink]) -> dict[str, Any]:
    # The third step of signing up until the first account is linked.
    return {"banks": list(BANK_NAMES.items()), "onboarding": not links}


@router.get("/accounts/link")
async def link_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    links = await money.linked_accounts(db, principal.user)
    return await render(request, "accounts/link.html", {**_link_context(links), "form": {}})


@router.post("/accounts/link")
async def link(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    consent = form.get("consent") == "yes"
    user = principal.user
    try:
        await money.link_account(
            db,
            bank_of(request),
            user,
            form.get("bank_code", ""),
            form.get("account_number", ""),
            consent,
        )
    except EasyPayError as failure:
        await db.rollback()
        if isinstance(failure, HolderNameMismatch):
            error = translate("link.holder_mismatch", visitor.lang, name=user.name)
        else:
            error = error_text(failure, visitor.lang)
        kept = {
            "bank_code": form.get("bank_code", ""),
            "account_number": form.get("account_number", ""),
            "consent": consent,
        }
        links = await money.linked_accounts(db, user)
        context = {**_link_context(links), "form": kept, "error": error}
        return await render(request, "accounts/link.html", context, failure.status)
    return await redirect(request, with_notice("/", "linked"))


@router.post("/accounts/{link_id}/unlink")
async def unlink(
    request: Request, link_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    await money.unlink_account(db, principal.user, link_id)
    return await redirect(request, with_notice("/accounts", "unlinked"))
