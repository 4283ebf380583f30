"""Every query of the merchant package; ownership is part of each dashboard query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import dialect_name
from easypay.models import Merchant, MerchantCid, Payment
from easypay.models.base import table_of

OPEN_STATUSES = ("pending", "active", "suspended")  # a rejected application is closed
BUSINESS_NUMBER_LOCK_SPACE = 0x4D45_0000_0000_0000  # "ME": apart from other advisory locks


async def merchant_by_id(
    session: AsyncSession, merchant_id: int, for_update: bool = False
) -> Merchant | None:
    statement = select(Merchant).where(Merchant.id == merchant_id)
    if for_update:  # and reload: a row read earlier in this session may be stale
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def active_merchant_of(session: AsyncSession, owner_id: int) -> Merchant | None:
    statement = (
        select(Merchant)
        .where(Merchant.owner_id == owner_id, Merchant.status == "active")
        .order_by(Merchant.id)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def latest_application_of(session: AsyncSession, owner_id: int) -> Merchant | None:
    """The owner's open merchant if any, else their latest (rejected) application."""
    statement = (
        select(Merchant)
        .where(Merchant.owner_id == owner_id)
        .order_by(case((Merchant.status.in_(OPEN_STATUSES), 0), else_=1), Merchant.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def open_merchant_of(session: AsyncSession, owner_id: int) -> Merchant | None:
    statement = (
        select(Merchant)
        .where(Merchant.owner_id == owner_id, Merchant.status.in_(OPEN_STATUSES))
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def lock_business_number(session: AsyncSession, business_number: str) -> None:
    """Queue applications with the same number until this transaction ends (PostgreSQL: an
    advisory lock on the number; SQLite runs one writer at a time anyway)."""
    if dialect_name(session) == "postgresql":
        key = BUSINESS_NUMBER_LOCK_SPACE + int(business_number)
        await session.execute(select(func.pg_advisory_xact_lock(key)))


async def business_number_in_use(session: AsyncSession, business_number: str) -> bool:
    statement = (
        select(Merchant.id)
        .where(Merchant.business_number == business_number, Merchant.status.in_(OPEN_STATUSES))
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


async def change_status(
    session: AsyncSession, merchant_id: int, from_status: str, to_status: str, **values: Any
) -> bool:
    """Move a merchant from one status to another; of two operators at once, one wins."""
    statement = (
        update(table_of(Merchant))
        .where(Merchant.id == merchant_id, Merchant.status == from_status)
        .values(status=to_status, **values)
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def cids_of(session: AsyncSession, merchant_id: int) -> list[MerchantCid]:
    statement = (
        select(MerchantCid).where(MerchantCid.merchant_id == merchant_id).order_by(MerchantCid.cid)
    )
    return list((await session.scalars(statement)).all())


async def cid_exists(session: AsyncSession, cid: str) -> bool:
    return await session.get(MerchantCid, cid) is not None


async def merchants_page(
    session: AsyncSession, status: str, limit: int, offset: int
) -> tuple[list[Merchant], int]:
    """Applications waiting for review first, then the newest."""
    statement = select(Merchant)
    counted = select(func.count()).select_from(Merchant)
    if status:
        statement = statement.where(Merchant.status == status)
        counted = counted.where(Merchant.status == status)
    statement = (
        statement.order_by(case((Merchant.status == "pending", 0), else_=1), Merchant.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = list((await session.scalars(statement)).all())
    total = int((await session.execute(counted)).scalar_one())
    return items, total


async def merchant_payments(
    session: AsyncSession,
    merchant_id: int,
    *,
    partner_order_id: str = "",
    tid: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    status: str = "",
    before_id: int | None = None,
    limit: int = 20,
) -> list[Payment]:
    """One merchant's payments, newest first, `limit` of them older than `before_id`."""
    statement = select(Payment).where(Payment.merchant_id == merchant_id)
    if partner_order_id:
        statement = statement.where(Payment.partner_order_id == partner_order_id)
    if tid:
        statement = statement.where(Payment.tid == tid)
    if start is not None:
        statement = statement.where(Payment.created_at >= start)
    if end is not None:
        statement = statement.where(Payment.created_at < end)
    if status:
        statement = statement.where(Payment.status == status)
    if before_id is not None:
        statement = statement.where(Payment.id < before_id)
    statement = statement.order_by(Payment.id.desc()).limit(limit)
    return list((await session.scalars(statement)).all())


async def merchant_payment(session: AsyncSession, merchant_id: int, tid: str) -> Payment | None:
    statement = select(Payment).where(Payment.tid == tid, Payment.merchant_id == merchant_id)
    return (await session.execute(statement)).scalar_one_or_none()
