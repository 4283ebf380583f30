"""Every query of the ledger. Balances change only through the conditional updates here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import dialect_name
from easypay.models import (
    CREDITS_MUST_NOT_EXCEED_DEBITS,
    DEBITS_MUST_NOT_EXCEED_CREDITS,
    LedgerAccount,
    LedgerTransfer,
)
from easypay.models.base import table_of

ACCOUNTS = table_of(LedgerAccount)
TRANSFERS = table_of(LedgerTransfer)


async def account_by_id(session: AsyncSession, account_id: int) -> LedgerAccount | None:
    return await session.get(LedgerAccount, account_id, populate_existing=True)


async def find_account(
    session: AsyncSession,
    code: str,
    unit: str,
    owner_id: int,
    shard: int = 0,
    fresh: bool = False,
) -> LedgerAccount | None:
    """`fresh`: overwrite an instance the session already holds with the row's current sums
    (what a refresh after the lookup did, without its second round trip)."""
    statement = select(LedgerAccount).where(
        LedgerAccount.code == code,
        LedgerAccount.unit == unit,
        LedgerAccount.owner_id == owner_id,
        LedgerAccount.shard == shard,
    )
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def lock_accounts(session: AsyncSession, account_ids: Iterable[int]) -> None:
    """Row-lock accounts in ascending id order, so concurrent batches never deadlock.

    FOR NO KEY UPDATE, the lock an UPDATE of the sums takes anyway: FOR UPDATE would also block
    the KEY SHARE locks that foreign-key checks of transfer inserts take, in no fixed order."""
    ids = sorted(set(account_ids))
    if not ids or dialect_name(session) == "sqlite":  # SQLite: BEGIN IMMEDIATE serialises
        return
    statement = select(ACCOUNTS.c.id).where(ACCOUNTS.c.id.in_(ids)).order_by(ACCOUNTS.c.id)
    await session.execute(statement.with_for_update(key_share=True))


async def transfer_by_key(session: AsyncSession, key: str) -> LedgerTransfer | None:
    statement = select(LedgerTransfer).where(LedgerTransfer.transfer_key == key)
    return (await session.execute(statement)).scalar_one_or_none()


async def transfer_by_id(session: AsyncSession, transfer_id: int) -> LedgerTransfer | None:
    return await session.get(LedgerTransfer, transfer_id)


async def resolution_of(session: AsyncSession, pending_id: int) -> LedgerTransfer | None:
    statement = select(LedgerTransfer).where(LedgerTransfer.pending_id == pending_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def insert_transfer(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert unless the key (or the resolved hold) is taken; returns the new id or None."""
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    statement = (
        dialect.insert(TRANSFERS)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(TRANSFERS.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def change_sums(
    session: AsyncSession,
    account_id: int,
    unit: str,
    deltas: dict[str, int],
    condition: Any = None,
) -> bool:
    """Add `deltas` to the running sums if the account exists, has `unit` and meets
    `condition`; one statement, so there is no window between the check and the write."""
    where = [ACCOUNTS.c.id == account_id, ACCOUNTS.c.unit == unit]
    if condition is not None:
        where.append(condition)
    values = {column: ACCOUNTS.c[column] + delta for column, delta in deltas.items()}
    statement = update(ACCOUNTS).where(and_(*where)).values(**values).returning(ACCOUNTS.c.id)
    return (await session.execute(statement)).first() is not None


def debit_allowed(extra_debits: int) -> Any:
    """A `debits must not exceed credits` account may take `extra_debits` more."""
    c = ACCOUNTS.c
    return or_(
        c.flags.op("&")(DEBITS_MUST_NOT_EXCEED_CREDITS) == 0,
        c.debits_pending + c.debits_posted + extra_debits <= c.credits_posted,
    )


def credit_allowed(extra_credits: int, cap: int | None) -> Any:
    c = ACCOUNTS.c
    allowed = or_(
        c.flags.op("&")(CREDITS_MUST_NOT_EXCEED_DEBITS) == 0,
        c.credits_pending + c.credits_posted + extra_credits <= c.debits_posted,
    )
    if cap is None:
        return allowed
    within_cap = c.credits_posted + c.credits_pending - c.debits_posted + extra_credits <= cap
    return and_(allowed, within_cap)


async def accounts_by_ids(
    session: AsyncSession, account_ids: Sequence[int]
) -> dict[int, LedgerAccount]:
    if not account_ids:
        return {}
    statement = select(LedgerAccount).where(LedgerAccount.id.in_(set(account_ids)))
    rows = (await session.execute(statement.execution_options(populate_existing=True))).scalars()
    return {account.id: account for account in rows}
