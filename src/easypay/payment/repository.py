"""Every query of the payment package. A payment changes status only through `change_status`,
a conditional UPDATE from the statuses it may leave: of two actors at once, one wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import Merchant, MerchantCid, Payment, PaymentAction
from easypay.models.base import table_of


async def merchant_by_key_hash(session: AsyncSession, column: str, digest: str) -> Merchant | None:
    statement = select(Merchant).where(getattr(Merchant, column) == digest)
    return (await session.execute(statement)).scalar_one_or_none()


async def cid_of(session: AsyncSession, cid: str) -> MerchantCid | None:
    return await session.get(MerchantCid, cid)


async def payment_by_tid(
    session: AsyncSession, tid: str, for_update: bool = False
) -> Payment | None:
    statement = select(Payment).where(Payment.tid == tid)
    if for_update:  # and reload: a row read earlier in this session may be stale
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def change_status(
    session: AsyncSession,
    payment_id: int,
    leaving: Sequence[str],
    status: str,
    *conditions: ColumnElement[bool],
    **values: Any,
) -> bool:
    table = table_of(Payment)
    result = await session.execute(
        update(table)
        .where(table.c.id == payment_id, table.c.status.in_(leaving), *conditions)
        .values(status=status, **values)
    )
    return bool(getattr(result, "rowcount", 0))


async def add_cancel(
    session: AsyncSession,
    payment_id: int,
    amount: int,
    tax_free: int,
    vat: int,
    status: str,
    now: datetime,
) -> bool:
    """Count a cancel, only if it still fits what remains (so racing cancels never exceed)."""
    table = table_of(Payment)
    result = await session.execute(
        update(table)
        .where(
            table.c.id == payment_id,
            table.c.status.in_(("SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT")),
            table.c.canceled_amount + amount <= table.c.total_amount,
            table.c.canceled_tax_free_amount + tax_free <= table.c.tax_free_amount,
            table.c.canceled_vat_amount + vat <= table.c.vat_amount,
        )
        .values(
            canceled_amount=table.c.canceled_amount + amount,
            canceled_tax_free_amount=table.c.canceled_tax_free_amount + tax_free,
            canceled_vat_amount=table.c.canceled_vat_amount + vat,
            status=status,
            canceled_at=now,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def actions_of(session: AsyncSession, payment_id: int) -> list[PaymentAction]:
    statement = (
        select(PaymentAction)
        .where(PaymentAction.payment_id == payment_id)
        .order_by(PaymentAction.id)
    )
    return list((await session.execute(statement)).scalars())


async def due_to_expire(
    session: AsyncSession, now: datetime, pending: Sequence[str], limit: int
) -> list[int]:
    statement = (
        select(Payment.id)
        .where(Payment.status.in_(pending), Payment.expires_at <= now)
        .order_by(Payment.expires_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())
