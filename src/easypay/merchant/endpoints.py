"""Operator API for merchants: create, list, approve or reject applications."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import DbSession
from easypay.errors import InvalidInput, error_responses
from easypay.identity.dependencies import CurrentOperator
from easypay.identity.errors import NotSignedIn, OperatorOnly, UserNotFound
from easypay.kit.ids import PathId
from easypay.merchant import service
from easypay.merchant.errors import (
    AlreadyApplied,
    CidTaken,
    InvalidCid,
    MerchantNotActive,
    MerchantNotFound,
    MerchantNotPending,
    MerchantNotSuspended,
)
from easypay.merchant.schemas import (
    MerchantApprove,
    MerchantCreate,
    MerchantCreated,
    MerchantRead,
    MerchantsPage,
)
from easypay.models import Merchant

router = APIRouter(prefix="/api/v1/admin/merchants", tags=["operators"])
ERRORS = error_responses(NotSignedIn, OperatorOnly)
REVIEW_ERRORS = error_responses(NotSignedIn, OperatorOnly, MerchantNotFound, MerchantNotPending)


async def _read(db: AsyncSession, merchant: Merchant) -> MerchantRead:
    cids = [cid.cid for cid in await service.cids(db, merchant)]
    return MerchantRead.of(merchant, cids)


@router.get("", summary="Merchants, applications waiting for review first", responses=ERRORS)
async def list_merchants(
    operator: CurrentOperator,
    db: DbSession,
    status: Annotated[
        Literal["pending", "active", "suspended", "rejected"] | None,
        Query(description="Only merchants in this status."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> MerchantsPage:
    items, total = await service.merchants(db, status or "", limit, offset)
    return MerchantsPage(items=[await _read(db, m) for m in items], total=total)


@router.post(
    "",
    status_code=201,
    summary="Create an active merchant (its keys are shown only in this answer)",
    responses=error_responses(
        NotSignedIn, OperatorOnly, InvalidInput, InvalidCid, CidTaken, UserNotFound, AlreadyApplied
    ),
)
async def create_merchant(
    body: MerchantCreate, operator: CurrentOperator, db: DbSession
) -> MerchantCreated:
    owner = await service.owner_by_phone(db, body.owner_phone) if body.owner_phone else None
    created = await service.create(db, body.name, body.cids, body.fee_bp, owner=owner)
    read = MerchantRead.of(created.merchant, created.cids)
    return MerchantCreated(
        **read.model_dump(), admin_key=created.admin_key, secret_key=created.secret_key
    )


@router.post("/{merchant_id}/approve", summary="Approve an application", responses=REVIEW_ERRORS)
async def approve_merchant(
    merchant_id: PathId,
    operator: CurrentOperator,
    db: DbSession,
    body: MerchantApprove | None = None,
) -> MerchantRead:
    merchant = await service.approve(db, merchant_id, body.fee_bp if body else None)
    return await _read(db, merchant)


@router.post("/{merchant_id}/reject", summary="Reject an application", responses=REVIEW_ERRORS)
async def reject_merchant(
    merchant_id: PathId, operator: CurrentOperator, db: DbSession
) -> MerchantRead:
    return await _read(db, await service.reject(db, merchant_id))


@router.post(
    "/{merchant_id}/suspend",
    summary="Suspend a merchant: its keys and dashboard stop until it is reactivated",
    responses=error_responses(NotSignedIn, OperatorOnly, MerchantNotFound, MerchantNotActive),
)
async def suspend_merchant(
    merchant_id: PathId, operator: CurrentOperator, db: DbSession
) -> MerchantRead:
    return await _read(db, await service.suspend(db, merchant_id))


@router.post(
    "/{merchant_id}/reactivate",
    summary="Reactivate a suspended merchant",
    responses=error_responses(NotSignedIn, OperatorOnly, MerchantNotFound, MerchantNotSuspended),
)
async def reactivate_merchant(
    merchant_id: PathId, operator: CurrentOperator, db: DbSession
) -> MerchantRead:
    return await _read(db, await service.reactivate(db, merchant_id))
