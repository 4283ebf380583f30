"""The operator console's merchants: applications waiting for review first (approve, reject),
every merchant, and a form that creates one (its keys shown once, on the answer page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import DbSession
from easypay.errors import EasyPayError
from easypay.identity import repository as identity_repository
from easypay.kit.ids import PathId
from easypay.merchant import service
from easypay.merchant.service import CreatedMerchant
from easypay.web.forms import read_form
from easypay.web.i18n import translate
from easypay.web.pages.merchant import merchant_error
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebOperator

router = page_router()

PER_PAGE = 20
STATUSES = ("pending", "active", "suspended", "rejected")
CREATE_FIELDS = ("name", "cids", "fee_bp", "owner_phone")


class Refused(Exception):
    """A form value refused before any service runs."""


def _query(status: str, offset: int) -> str:
    values = {"status": status} if status else {}
    if offset:
        values["offset"] = str(offset)
    return urlencode(values)


async def _list_page(
    request: Request,
    db: AsyncSession,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    created: CreatedMerchant | None = None,
) -> Response:
    status = request.query_params.get("status", "")
    status = status if status in STATUSES else ""
    raw_offset = request.query_params.get("offset", "0")
    offset = int(raw_offset) if raw_offset.isdigit() and len(raw_offset) < 8 else 0
    merchants, total = await service.merchants(db, status, PER_PAGE, offset)
    rows = []
    for merchant in merchants:
        owner = None
        if merchant.owner_id is not None:
            owner = await identity_repository.user_by_id(db, merchant.owner_id)
        cids = [cid.cid for cid in await service.cids(db, merchant)]
        rows.append(
            {
                "merchant": merchant,
                "owner": owner,
                "cids": cids,
                "business_number": service.format_business_number(merchant.business_number),
            }
        )
    following = offset + PER_PAGE
    context: dict[str, Any] = {
        "section": "merchants",
        "wide": True,
        "rows": rows,
        "total": total,
        "status": status,
        "statuses": STATUSES,
        "prev_query": _query(status, max(0, offset - PER_PAGE)) if offset else None,
        "next_query": _query(status, following) if following < total else None,
        "form": form or {"fee_bp": str(service.DEFAULT_FEE_BP)},
        "created": created,
        "error": error,
    }
    return await render(request, "admin/merchants.html", context, status_code)


@router.get("/admin/merchants")
async def merchants_page(request: Request, operator: WebOperator, db: DbSession) -> Response:
    return await _list_page(request, db)


def _fee(raw: str, lang: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 5 or int(raw) > 10_000:
        raise Refused(translate("merchant.admin.bad_fee", lang))
    return int(raw)


@router.post("/admin/merchants")
async def create_merchant(
    request: Request, operator: WebOperator, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    kept = {name: form.get(name, "")[:200] for name in CREATE_FIELDS}
    cids = [cid for cid in kept["cids"].replace(" ", ",").split(",") if cid]
    try:
        fee_bp = _fee(kept["fee_bp"] or str(service.DEFAULT_FEE_BP), visitor.lang)
        owner = None
        if kept["owner_phone"]:
            owner = await service.owner_by_phone(db, kept["owner_phone"])
        created = await service.create(db, kept["name"], cids[:10], fee_bp, owner=owner)
    except Refused as refusal:
        return await _list_page(request, db, str(refusal), 422, kept)
    except EasyPayError as failure:
        await db.rollback()
        message = merchant_error(failure, visitor.lang)
        return await _list_page(request, db, message, failure.status, kept)
    # The keys are in this answer only: no redirect, and the page is not cached.
    return await _list_page(request, db, created=created)


async def _review(
    request: Request, db: AsyncSession, lang: str, merchant_id: int, approve: bool
) -> Response:
    form = await read_form(request)
    try:
        if approve:
            raw_fee = form.get("fee_bp", "")
            fee = _fee(raw_fee, lang) if raw_fee else None
            await service.approve(db, merchant_id, fee)
        else:
            await service.reject(db, merchant_id)
    except Refused as refusal:
        return await _list_page(request, db, str(refusal), 422)
    except EasyPayError as failure:
        await db.rollback()
        return await _list_page(request, db, merchant_error(failure, lang), failure.status)
    notice = "merchant_approved" if approve else "merchant_rejected"
    return await redirect(request, with_notice("/admin/merchants", notice))


@router.post("/admin/merchants/{merchant_id}/approve")
async def approve(
    request: Request,
    merchant_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _review(request, db, visitor.lang, merchant_id, approve=True)


@router.post("/admin/merchants/{merchant_id}/reject")
async def reject(
    request: Request,
    merchant_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _review(request, db, visitor.lang, merchant_id, approve=False)


async def _switch(
    request: Request, db: AsyncSession, lang: str, merchant_id: int, on: bool
) -> Response:
    try:
        if on:
            await service.reactivate(db, merchant_id)
        else:
            await service.suspend(db, merchant_id)
    except EasyPayError as failure:
        await db.rollback()
        return await _list_page(request, db, merchant_error(failure, lang), failure.status)
    notice = "merchant_reactivated" if on else "merchant_suspended"
    return await redirect(request, with_notice("/admin/merchants", notice))


@router.post("/admin/merchants/{merchant_id}/suspend")
async def suspend(
    request: Request,
    merchant_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _switch(request, db, visitor.lang, merchant_id, on=False)


@router.post("/admin/merchants/{merchant_id}/reactivate")
async def reactivate(
    request: Request,
    merchant_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _switch(request, db, visitor.lang, merchant_id, on=True)
