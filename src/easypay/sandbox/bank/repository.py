"""Every query of the sandbox bank.

Balances change only through conditional updates (`balance >= :amount`), and a bank_tran_id is
claimed by inserting its result row (primary key), so concurrent requests — in one process or
many, on SQLite or PostgreSQL — can neither overdraw an account nor move money twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import (
    SandboxBankAccount,
    SandboxBankFault,
    SandboxBankTransaction,
    SandboxBankTransferResult,
)

Account = SandboxBankAccount
Fault = SandboxBankFault
Result = SandboxBankTransferResult
# ORM-enabled UPDATEs that leave the identity map alone: reads use populate_existing instead.
NO_SYNC = {"synchronize_session": False}


def _insert(session: AsyncSession, entity: Any) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(entity)


# --- accounts ----------------------------------------------------------------------------------


async def account(
    session: AsyncSession, bank_code: str, account_number: str
) -> SandboxBankAccount | None:
    statement = select(SandboxBankAccount).where(
        SandboxBankAccount.bank_code == bank_code,
        SandboxBankAccount.account_number == account_number,
    )
    return (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def accounts_of_customer(session: AsyncSession, customer_id: str) -> list[SandboxBankAccount]:
    statement = (
        select(SandboxBankAccount)
        .where(
            SandboxBankAccount.customer_id == customer_id,
            SandboxBankAccount.is_corporate.is_(False),
        )
        .order_by(SandboxBankAccount.id)
    )
    return list((await session.execute(statement)).scalars())


async def insert_account_if_missing(
    session: AsyncSession,
    bank_code: str,
    account_number: str,
    holder_name: str,
    customer_id: str,
    is_corporate: bool,
    now: datetime,
) -> None:
    """Create an empty account unless one with this number exists (safe to race)."""
    statement = (
        _insert(session, Account)
        .values(
            bank_code=bank_code,
            account_number=account_number,
            holder_name=holder_name,
            customer_id=customer_id,
            balance=0,
            is_corporate=is_corporate,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )
    await session.execute(statement)


async def lock_accounts(session: AsyncSession, account_ids: Sequence[int]) -> None:
    """Row locks in id order (PostgreSQL), so two transfers never wait on each other in a
    cycle. SQLite needs none: its writers already run one at a time."""
    statement = (
        select(Account.id)
        .where(Account.id.in_(sorted(account_ids)))
        .order_by(Account.id)
        .with_for_update()
    )
    await session.execute(statement)


async def debit(session: AsyncSession, account_id: int, amount: int) -> int | None:
    """Take `amount` if the balance covers it; the new balance, or None if it does not."""
    statement = (
        update(Account)
        .where(Account.id == account_id, Account.balance >= amount)
        .values(balance=Account.balance - amount)
        .returning(Account.balance)
        .execution_options(**NO_SYNC)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def credit(session: AsyncSession, account_id: int, amount: int) -> int:
    statement = (
        update(Account)
        .where(Account.id == account_id)
        .values(balance=Account.balance + amount)
        .returning(Account.balance)
        .execution_options(**NO_SYNC)
    )
    return (await session.execute(statement)).scalar_one()


# --- transactions ------------------------------------------------------------------------------


async def transactions(
    session: AsyncSession, account_id: int, limit: int
) -> list[SandboxBankTransaction]:
    statement = (
        select(SandboxBankTransaction)
        .where(SandboxBankTransaction.account_id == account_id)
        .order_by(SandboxBankTransaction.id.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


# --- transfer results (the bank's idempotency record) ------------------------------------------


async def claim_result(
    session: AsyncSession, bank_tran_id: str, outcome: str, response_json: str, now: datetime
) -> bool:
    """Insert the result row for `bank_tran_id`; False if it already exists. On PostgreSQL a
    concurrent claim of the same id waits here until the first commits, then gets False."""
    statement = (
        _insert(session, Result)
        .values(
            bank_tran_id=bank_tran_id,
            outcome=outcome,
            response_json=response_json,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(Result.bank_tran_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def finish_result(
    session: AsyncSession, bank_tran_id: str, outcome: str, response_json: str
) -> None:
    statement = (
        update(Result)
        .where(Result.bank_tran_id == bank_tran_id)
        .values(outcome=outcome, response_json=response_json)
        .execution_options(**NO_SYNC)
    )
    await session.execute(statement)


async def result(session: AsyncSession, bank_tran_id: str) -> SandboxBankTransferResult | None:
    statement = select(SandboxBankTransferResult).where(
        SandboxBankTransferResult.bank_tran_id == bank_tran_id
    )
    return (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()


# --- faults ------------------------------------------------------------------------------------


async def matching_faults(
    session: AsyncSession, operation: str, account_number: str
) -> list[SandboxBankFault]:
    statement = (
        select(SandboxBankFault)
        .where(
            SandboxBankFault.operation.in_([operation, "any"]),
            SandboxBankFault.account_number.in_([account_number, "*"]),
            SandboxBankFault.remaining > 0,
        )
        .order_by(SandboxBankFault.id)
    )
    return list(
        (await session.execute(statement.execution_options(populate_existing=True))).scalars()
    )


async def use_fault(session: AsyncSession, fault_id: int) -> bool:
    """Count one use of a fault; False if another request used its last one first."""
    statement = (
        update(Fault)
        .where(Fault.id == fault_id, Fault.remaining > 0)
        .values(remaining=Fault.remaining - 1)
        .returning(Fault.id)
        .execution_options(**NO_SYNC)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def faults(session: AsyncSession) -> list[SandboxBankFault]:
    statement = select(SandboxBankFault).order_by(SandboxBankFault.id)
    return list((await session.execute(statement)).scalars())


async def delete_faults(session: AsyncSession) -> int:
    count = (await session.execute(select(func.count()).select_from(Fault))).scalar_one()
    await session.execute(delete(Fault).execution_options(**NO_SYNC))
    return count
