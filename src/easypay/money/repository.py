"""Every query of Pay Money."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.ledger.accounts import USER_WALLET
from easypay.models import BankLink, BankOperation, LedgerAccount, LedgerTransfer
from easypay.models.base import table_of

OPERATIONS = table_of(BankOperation)
ACCOUNTS = table_of(LedgerAccount)
TRANSFERS = table_of(LedgerTransfer)


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


@dataclass(frozen=True, slots=True)
class WalletEntry:
    """One line of a wallet's activity: the transfer's own columns and how a hold ended."""

    id: int
    code: str
    kind: str
    amount: int
    reference: str
    created_at: datetime
    outgoing: bool
    resolution: str | None  # a hold's post or void, None while it is open (or not a hold)
    resolved_amount: int | None


async def wallet_activity(
    session: AsyncSession,
    owner_id: int,
    codes: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[WalletEntry]:
    """Holds and single transfers of a user's wallet, newest first, with how each hold ended.

    One statement, columns only (no ORM objects): the hottest read of the app. The wallet is
    found by a subquery, and each side (debit, credit) is its own index range scan under the
    limit, merged by the outer query, instead of an OR that defeats the (account, id) indexes."""
    transfers, resolution = TRANSFERS, TRANSFERS.alias("resolution")
    wallet = (
        select(ACCOUNTS.c.id)
        .where(
            ACCOUNTS.c.code == USER_WALLET,
            ACCOUNTS.c.unit == "KRW",
            ACCOUNTS.c.owner_id == owner_id,
            ACCOUNTS.c.shard == 0,
        )
        .scalar_subquery()
    )
    sides = []
    for column in (transfers.c.debit_account_id, transfers.c.credit_account_id):
        side = (
            select(
                transfers.c.id,
                transfers.c.code,
                transfers.c.kind,
                transfers.c.amount,
                transfers.c.reference,
                transfers.c.created_at,
                (transfers.c.debit_account_id == wallet).label("outgoing"),
                resolution.c.kind.label("resolution"),
                resolution.c.amount.label("resolved_amount"),
            )
            .select_from(transfers.outerjoin(resolution, resolution.c.pending_id == transfers.c.id))
            .where(column == wallet, transfers.c.kind.in_(("single", "pending")))
        )
        if codes:
            side = side.where(transfers.c.code.in_(codes))
        if since is not None:
            side = side.where(transfers.c.created_at >= since)
        if until is not None:
            side = side.where(transfers.c.created_at < until)
        if before_id is not None:
            side = side.where(transfers.c.id < before_id)
        sides.append(select(side.order_by(transfers.c.id.desc()).limit(limit).subquery()))
    both = union_all(*sides).subquery()
    statement = select(both).order_by(both.c.id.desc()).limit(limit)
    return [WalletEntry(*row) for row in await session.execute(statement)]
