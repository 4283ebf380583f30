"""Merchant dashboard: settlement statements (정산 내역) and one statement with its line items
and the bank's answer. Read-only: the payout itself is the worker's daily job."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from easypay.db import DbSession
from easypay.kit.ids import MAX_ID, PathId
from easypay.settlement import service
from easypay.settlement.errors import SettlementNotFound
from easypay.web.i18n import translate
from easypay.web.merchant_visitor import WebMerchant
from easypay.web.rendering import render
from easypay.web.route import error_page, page_router
from easypay.web.visitor import CurrentVisitor

router = page_router()

PAGE_SIZE = 20
STATUS_BADGES = {
    "paid": "badge-ok",
    "nothing": "",
    "open": "badge-yellow",
    "paying": "badge-yellow",
    "failed": "badge-bad",
}


@router.get("/merchant/settlements")
async def settlements_page(
    request: Request,
    merchant: WebMerchant,
    db: DbSession,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    found = await service.statements(db, merchant, before, PAGE_SIZE + 1)
    rows = found[:PAGE_SIZE]
    more = rows[-1][0].id if len(found) > PAGE_SIZE else None
    context = {
        "section": "settlements",
        "merchant": merchant,
        "wide": True,
        "rows": rows,
        "badges": STATUS_BADGES,
        "more": more,
        "unsettled": await service.carried_forward(db, merchant),
        "has_account": bool(merchant.settlement_account_number),
    }
    return await render(request, "merchant/settlements.html", context)


@router.get("/merchant/settlements/{settlement_id}")
async def settlement_page(
    request: Request,
    settlement_id: PathId,
    merchant: WebMerchant,
    db: DbSession,
    visitor: CurrentVisitor,
) -> Response:
    try:
        settlement, lines = await service.statement(db, merchant, settlement_id)
    except SettlementNotFound:
        return await error_page(
            request, 404, "error.not_found_title", translate("settlement.not_found", visitor.lang)
        )
    context = {
        "section": "settlements",
        "merchant": merchant,
        "wide": True,
        "settlement": settlement,
        "lines": lines,
        "badges": STATUS_BADGES,
        "no_account": settlement.bank_result_code == service.NO_ACCOUNT,
    }
    return await render(request, "merchant/settlements_detail.html", context)
