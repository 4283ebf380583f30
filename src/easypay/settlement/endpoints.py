"""Merchant settlement API: the merchant's statements and one statement with its lines.

Authorised by the merchant's own key, as on the payment API (`Authorization: SECRET_KEY <secret
key>`, or `KakaoAK <admin key>`); errors are EasyPay's `{"error", "detail"}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from easypay.db import DbSession
from easypay.errors import error_responses
from easypay.kit.ids import MAX_ID, PathId
from easypay.kit.pagination import Page
from easypay.models import Merchant, Settlement
from easypay.money.banks import mask_account
from easypay.payment import wire
from easypay.payment.errors import AuthenticationFailed
from easypay.settlement import service
from easypay.settlement.errors import SettlementNotFound
from easypay.settlement.schemas import SettlementDetailRead, SettlementLineRead, SettlementRead

router = APIRouter(prefix="/api/v1/merchant/settlements", tags=["settlements"])


async def _merchant(request: Request) -> Merchant:
    scheme = request.headers.get("authorization", "").partition(" ")[0]
    return await wire.authenticate(request, "current" if scheme == "SECRET_KEY" else "legacy")


MerchantKey = Annotated[Merchant, Depends(_merchant)]


def reason(settlement: Settlement) -> str | None:
    if settlement.status in ("open", "failed") and settlement.bank_message:
        return settlement.bank_message
    if settlement.status == "paying":
        return "Sent to the bank; waiting for its answer."
    return None


def settlement_read(settlement: Settlement, line_count: int) -> SettlementRead:
    return SettlementRead(
        id=settlement.id,
        business_date=settlement.business_date,
        status=settlement.status,
        gross_amount=settlement.gross_amount,
        cancel_amount=settlement.cancel_amount,
        fee_amount=settlement.fee_amount,
        net_amount=settlement.net_amount,
        line_count=line_count,
        bank_code=settlement.bank_code,
        account_masked=mask_account(settlement.account_number) if settlement.account_number else "",
        holder_name=settlement.holder_name,
        bank_tran_id=settlement.bank_tran_id,
        attempts=settlement.attempts,
        bank_result_code=settlement.bank_result_code,
        bank_message=settlement.bank_message,
        reason=reason(settlement),
        created_at=settlement.created_at,
        paid_at=settlement.paid_at,
    )


@router.get(
    "",
    summary="My settlement statements, newest first",
    responses=error_responses(AuthenticationFailed),
)
async def list_settlements(
    merchant: MerchantKey,
    db: DbSession,
    cursor: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
) -> Page[SettlementRead]:
    found = await service.statements(db, merchant, cursor, limit + 1)
    items = [settlement_read(settlement, count) for settlement, count in found[:limit]]
    next_cursor = str(items[-1].id) if len(found) > limit else None
    return Page[SettlementRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{settlement_id}",
    summary="One statement with its line items",
    responses=error_responses(AuthenticationFailed, SettlementNotFound),
)
async def get_settlement(
    settlement_id: PathId, merchant: MerchantKey, db: DbSession
) -> SettlementDetailRead:
    settlement, lines = await service.statement(db, merchant, settlement_id)
    read = settlement_read(settlement, len(lines))
    return SettlementDetailRead(
        **read.model_dump(),
        lines=[
            SettlementLineRead(
                aid=line.aid,
                tid=line.tid,
                kind=line.kind,
                amount=line.amount,
                fee=line.fee,
                net=line.amount - line.fee,
                at=line.at,
            )
            for line in lines
        ],
    )
