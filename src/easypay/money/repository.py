"""Every query of Pay Money."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from easypay.models import BankLink, BankOperation, LedgerTransfer
from easypay.models.base import table_of

OPERATIONS = table_of(BankOperation)


async def active_links(session: AsyncSession, user_id: int) -> list[BankLink]:
    statement = (
        select(BankLink)
        .where(BankLink.user_id == user_id, BankLink.status == "active")
        .order_by(BankLink.id)
    )
    return list((await session.execute(statement)).scalars())


async def active_link(session: AsyncSession, user_id: int, link_id: int) -> BankLink | None:
    statement = select(BankLink).where(
        BankLink.id == link_id, BankLink.user_id == user_id, BankLink.status == "active"
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def link_by_id(session: AsyncSession, link_id: int) -> BankLink | None:
    return await session.get(BankLink, link_id)


async def link_for_account(
    session: AsyncSession, user_id: int, bank_code: str, account_number: str
) -> BankLink | None:
    statement = select(BankLink).where(
        BankLink.user_id == user_id,
        BankLink.bank_code == bank_code,
        BankLink.account_number == account_number,
        BankLink.status == "active",
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def operation_by_key(session: AsyncSession, request_key: str) -> BankOperation | None:
    statement = select(BankOperation).where(BankOperation.request_key == request_key)
    return (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def operation_by_id(session: AsyncSession, operation_id: int) -> BankOperation | None:
    statement = select(BankOperation).where(BankOperation.id == operation_id)
    return (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def operations_of(session: AsyncSession, user_id: int, limit: int) -> list[BankOperation]:
    statement = (
        select(BankOperation)
        .where(BankOperation.user_id == user_id)
        .order_by(BankOperation.id.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def operations_by_hold(
    session: AsyncSession, hold_ids: Sequence[int]
) -> dict[int, BankOperation]:
    if not hold_ids:
        return {}
    statement = select(BankOperation).where(BankOperation.pending_transfer_id.in_(hold_ids))
    return {op.pending_transfer_id: op for op in (await session.execute(statement)).scalars()}


async def settle_status(
    session: AsyncSession,
    operation_id: int,
    status: str,
    result_code: str,
    message: str,
    now: datetime,
) -> bool:
    """Move an unsettled operation to `status`; False if someone settled it first."""
    statement = (
        update(OPERATIONS)
        .where(
            OPERATIONS.c.id == operation_id,
            OPERATIONS.c.status.in_(("requested", "unknown")),
        )
        .values(
            status=status,
            bank_result_code=result_code[:16],
            bank_message=message[:200],
            updated_at=now,
            attempts=OPERATIONS.c.attempts + 1,
        )
        .returning(OPERATIONS.c.id)
    )
    return (await session.execute(statement)).first() is not None


async def unsettled_operations(
    session: AsyncSession, older_than: datetime, limit: int
) -> list[BankOperation]:
    statement = (
        select(BankOperation)
        .where(
            BankOperation.status.in_(("requested", "unknown")),
            BankOperation.created_at <= older_than,
        )
        .order_by(BankOperation.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def wallet_activity(
    session: AsyncSession,
    account_id: int,
    codes: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[Row[LedgerTransfer, str | None, int | None]]:
    """Holds and single transfers of one wallet, newest first, with how each hold ended."""
    resolution = aliased(LedgerTransfer)
    rows: list[Row[LedgerTransfer, str | None, int | None]] = []
    # One index range scan per side (debit, credit) merged here, instead of an OR that defeats
    # the (account, id) indexes.
    for column in (LedgerTransfer.debit_account_id, LedgerTransfer.credit_account_id):
        statement = (
            select(LedgerTransfer, resolution.kind, resolution.amount)
            .outerjoin(resolution, resolution.pending_id == LedgerTransfer.id)
            .where(column == account_id, LedgerTransfer.kind.in_(("single", "pending")))
        )
        if codes:
            statement = statement.where(LedgerTransfer.code.in_(codes))
        if since is not None:
            statement = statement.where(LedgerTransfer.created_at >= since)
        if until is not None:
            statement = statement.where(LedgerTransfer.created_at < until)
        if before_id is not None:
            statement = statement.where(LedgerTransfer.id < before_id)
        statement = statement.order_by(LedgerTransfer.id.desc()).limit(limit)
        rows.extend(await session.execute(statement))
    rows.sort(key=lambda row: row[0].id, reverse=True)
    return rows[:limit]
