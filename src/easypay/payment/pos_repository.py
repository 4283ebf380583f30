"""Every query of in-store payments: payment codes and POS payments. A code is claimed and
retired only by conditional UPDATEs, so of two POS terminals at once exactly one wins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import MerchantCid, Payment, PaymentCode
from easypay.models.base import table_of


async def code_by_hash(
    session: AsyncSession, code_hash: str, fresh: bool = False
) -> PaymentCode | None:
    statement = select(PaymentCode).where(PaymentCode.code_hash == code_hash)
    if fresh:  # a row read earlier in this session may be stale after a lost claim
        statement = statement.execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def code_of_payment(session: AsyncSession, payment_id: int) -> PaymentCode | None:
    statement = select(PaymentCode).where(PaymentCode.payment_id == payment_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def claim_code(session: AsyncSession, code_id: int, now: datetime) -> bool:
    """Mark a code used, only if it is still unused and unexpired."""
    table = table_of(PaymentCode)
    result = await session.execute(
        update(table)
        .where(table.c.id == code_id, table.c.used_at.is_(None), table.c.expires_at > now)
        .values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def link_code(session: AsyncSession, code_id: int, payment_id: int) -> None:
    table = table_of(PaymentCode)
    await session.execute(update(table).where(table.c.id == code_id).values(payment_id=payment_id))


async def retire_codes(session: AsyncSession, user_id: int, now: datetime) -> int:
    """End every unused, unexpired code of a user now (a new one replaces them)."""
    table = table_of(PaymentCode)
    result = await session.execute(
        update(table)
        .where(table.c.user_id == user_id, table.c.used_at.is_(None), table.c.expires_at > now)
        .values(expires_at=now)
    )
    return int(getattr(result, "rowcount", 0))


async def pos_payment(
    session: AsyncSession, merchant_id: int, pos_request_id: str, for_update: bool = False
) -> Payment | None:
    statement = select(Payment).where(
        Payment.merchant_id == merchant_id,
        Payment.pos_request_id == pos_request_id,
        Payment.channel == "POS",
    )
    if for_update:
        statement = statement.with_for_update()
    statement = statement.execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def first_onetime_cid(session: AsyncSession, merchant_id: int) -> str | None:
    statement = (
        select(MerchantCid.cid)
        .where(MerchantCid.merchant_id == merchant_id, MerchantCid.kind == "onetime")
        .order_by(MerchantCid.cid)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def payment_of_approval(session: AsyncSession, approval_id: str) -> bool:
    """Whether a payment keeps this card authorisation."""
    statement = select(Payment.id).where(Payment.card_approval_id == approval_id).limit(1)
    return (await session.execute(statement)).first() is not None
