"""Small builders for ledger tests: wallets, funding, balances, raw sums."""

from __future__ import annotations

import itertools
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import Database
from easypay.ledger import service as ledger
from easypay.ledger.accounts import BANK_CLEARING, Balance
from easypay.ledger.errors import LedgerError
from easypay.ledger.schemas import TransferRequest
from easypay.models import LedgerAccount, LedgerTransfer

# Wallet owners need not be users in ledger tests; keep them far from real user ids.
_owners = itertools.count(1_000_000)


def next_owner_id() -> int:
    return next(_owners)


async def open_wallet(database: Database, balance: int = 0, unit: str = "KRW") -> int:
    """A user wallet (may not go negative), funded from bank clearing with `balance`."""
    async with database.transaction() as session:
        account = await ledger.open_user_wallet(session, next_owner_id(), unit)
        account_id = account.id
    if balance:
        await fund(database, account_id, balance, unit)
    return account_id


async def open_wallets(database: Database, count: int, balance: int = 0) -> list[int]:
    return [await open_wallet(database, balance) for _ in range(count)]


async def fund(database: Database, account_id: int, amount: int, unit: str = "KRW") -> None:
    """Bring money in from the bank, as a charge does (keeps stored value covered)."""
    async with database.transaction() as session:
        if unit != "KRW":
            await ledger.ensure_system_accounts(session, unit)
        clearing = await ledger.system_account_id(session, BANK_CLEARING, unit, shard=0)
        await ledger.transfer(
            session, TransferRequest(clearing, account_id, amount, "test_funding", unit=unit)
        )


async def clearing_id(database: Database, unit: str = "KRW") -> int:
    async with database.transaction() as session:
        return await ledger.system_account_id(session, BANK_CLEARING, unit, shard=0)


async def transfer(database: Database, request: TransferRequest) -> LedgerTransfer:
    async with database.transaction() as session:
        return await ledger.transfer(session, request)


async def account(database: Database, account_id: int) -> LedgerAccount:
    async with database.transaction() as session:
        found = await session.get(LedgerAccount, account_id)
        assert found is not None
        return found


async def balance(database: Database, account_id: int) -> Balance:
    return Balance.of(await account(database, account_id))


async def sums(database: Database, account_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """account id → (debits_pending, debits_posted, credits_pending, credits_posted), read in
    one statement (a consistent snapshot)."""
    a = LedgerAccount
    statement = select(
        a.id, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted
    ).where(a.id.in_(list(account_ids)))
    async with database.transaction() as session:
        return {row[0]: tuple(row[1:]) for row in await session.execute(statement)}


async def void_open_holds(database: Database) -> None:
    """Release every hold nobody resolved (so a later `expire_due` or verify sees none)."""
    resolved = select(LedgerTransfer.pending_id).where(LedgerTransfer.pending_id.is_not(None))
    statement = select(LedgerTransfer.id).where(
        LedgerTransfer.kind == "pending", LedgerTransfer.id.not_in(resolved)
    )
    async with database.transaction() as session:
        for pending_id in list((await session.execute(statement)).scalars()):
            await ledger.void(session, pending_id)


async def transfer_count(database: Database) -> int:
    async with database.transaction() as session:
        return len((await session.execute(select(LedgerTransfer.id))).all())


async def refusal(database: Database, action: Callable[[AsyncSession], Awaitable[object]]) -> Any:
    """Run `action` in a transaction that catches the ledger's refusal and then commits, so a
    refusal that left half a change behind would show in the balances."""
    async with database.transaction() as session:
        try:
            await action(session)
        except LedgerError as error:
            return error
    raise AssertionError("the ledger accepted what it should have refused")


ON_POSTGRES = os.environ.get("EASYPAY_TEST_DATABASE_URL", "").startswith("postgresql")
