"""The ledger write path: transfers, holds (pending → post / void / expire), batches, chains.

Every balance change is a conditional UPDATE (`... WHERE available >= amount`), so there is no
read-then-write race; several accounts are touched in ascending id order, so there are no
deadlocks. Services call these functions inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from easypay.db import dialect_name
from easypay.kit.clock import clock
from easypay.ledger import postgres, repository
from easypay.ledger.accounts import (
    SYSTEM_ACCOUNTS,
    SYSTEM_SHARDS,
    USER_WALLET,
    WALLET_FLAGS,
    random_shard,
)
from easypay.ledger.errors import (
    AccountNotFound,
    AlreadyResolved,
    CapExceeded,
    ChainFailed,
    InsufficientFunds,
    InvalidAmount,
    LedgerError,
    PendingExpired,
    PendingNotFound,
    TransferKeyReused,
    UnitMismatch,
)
from easypay.ledger.schemas import TransferRequest, TransferResult
from easypay.models import LedgerAccount, LedgerTransfer
from easypay.observability import LEDGER_TRANSFERS

# Far above any real figure, and low enough that no running sum can overflow 64 bits.
MAX_AMOUNT = 10**15

Deltas = dict[str, int]


# --- accounts ---------------------------------------------------------------------------------


async def open_account(
    session: AsyncSession, code: str, unit: str, owner_id: int, flags: int = 0, shard: int = 0
) -> LedgerAccount:
    account = LedgerAccount(
        code=code,
        unit=unit,
        owner_id=owner_id,
        shard=shard,
        flags=flags,
        debits_pending=0,
        debits_posted=0,
        credits_pending=0,
        credits_posted=0,
        created_at=clock.now(),
    )
    session.add(account)
    await session.flush()
    return account


async def open_user_wallet(session: AsyncSession, user_id: int, unit: str = "KRW") -> LedgerAccount:
    return await open_account(session, USER_WALLET, unit, user_id, WALLET_FLAGS)


async def user_wallet(session: AsyncSession, user_id: int, unit: str = "KRW") -> LedgerAccount:
    account = await repository.find_account(session, USER_WALLET, unit, user_id, fresh=True)
    if account is None:
        raise AccountNotFound("This user has no wallet.")
    return account


async def system_account_id(
    session: AsyncSession, code: str, unit: str = "KRW", shard: int | None = None
) -> int:
    """A named system account; a random shard unless one is asked for."""
    account = await repository.find_account(
        session, code, unit, 0, random_shard() if shard is None else shard
    )
    if account is None:
        raise AccountNotFound(f"System account {code}/{unit} is missing; run `easypay migrate`.")
    return account.id


async def ensure_system_accounts(session: AsyncSession, unit: str = "KRW") -> None:
    """Create the named system accounts (every shard) that do not exist yet."""
    for code, flags in SYSTEM_ACCOUNTS.items():
        for shard in range(SYSTEM_SHARDS):
            if await repository.find_account(session, code, unit, 0, shard) is None:
                await open_account(session, code, unit, 0, flags, shard)


# --- single transfers and holds ---------------------------------------------------------------


def _validate_amount(amount: Any) -> int:
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmount()
    return amount


async def transfer(session: AsyncSession, request: TransferRequest) -> LedgerTransfer:
    """Move `amount` (posted at once, or held when `request.pending`); raises a LedgerError.

    On PostgreSQL this is one statement (`ledger.postgres`); elsewhere the portable path.
    """
    if dialect_name(session) == "postgresql":
        return await postgres.apply_one(session, request)
    return await portable_transfer(session, request)


async def portable_transfer(session: AsyncSession, request: TransferRequest) -> LedgerTransfer:
    """`transfer` in portable SQL: a conditional UPDATE per side, then the insert."""
    amount = _validate_amount(request.amount)
    if request.debit_account_id == request.credit_account_id:
        raise InvalidAmount("A transfer needs two different accounts.")
    phase = "pending" if request.pending else "posted"
    sides = [
        (request.debit_account_id, {f"debits_{phase}": amount}, repository.debit_allowed(amount)),
        (
            request.credit_account_id,
            {f"credits_{phase}": amount},
            repository.credit_allowed(amount, request.credit_cap),
        ),
    ]
    values = {
        "transfer_key": request.key,
        "kind": request.kind,
        "debit_account_id": request.debit_account_id,
        "credit_account_id": request.credit_account_id,
        "amount": amount,
        "unit": request.unit,
        "pending_id": None,
        "expires_at": request.expires_at,
        "code": request.code,
        "reference": request.reference,
        "created_at": clock.now(),
    }
    try:
        applied = await _apply_sides(session, request.unit, sides, request)
    except LedgerError as refusal:  # refused now, but maybe made earlier under the same key
        existing = await repository.transfer_by_key(session, request.key)
        if existing is None:
            raise
        if _same_transfer(existing, values):
            return existing
        raise TransferKeyReused() from refusal
    new_id = await repository.insert_transfer(session, values)
    if new_id is None:  # the key was used before: undo, then answer as the first time did
        await _undo(session, request.unit, applied)
        existing = await repository.transfer_by_key(session, request.key)
        if existing is not None and _same_transfer(existing, values):
            return existing
        raise TransferKeyReused()
    LEDGER_TRANSFERS.labels(request.kind).inc()
    return LedgerTransfer(id=new_id, **values)


async def _apply_sides(
    session: AsyncSession,
    unit: str,
    sides: list[tuple[int, Deltas, Any]],
    request: TransferRequest,
) -> list[tuple[int, Deltas]]:
    applied: list[tuple[int, Deltas]] = []
    for account_id, deltas, condition in sorted(sides, key=lambda side: side[0]):
        if not await repository.change_sums(session, account_id, unit, deltas, condition):
            await _undo(session, unit, applied)
            raise await _explain_refusal(session, account_id, request)
        applied.append((account_id, deltas))
    return applied


async def _undo(session: AsyncSession, unit: str, applied: list[tuple[int, Deltas]]) -> None:
    """Reverse sums changed earlier in this transaction (the rows are still locked by us)."""
    for account_id, deltas in applied:
        negated = {column: -delta for column, delta in deltas.items()}
        await repository.change_sums(session, account_id, unit, negated)


async def _explain_refusal(
    session: AsyncSession, account_id: int, request: TransferRequest
) -> LedgerError:
    account = await repository.account_by_id(session, account_id)
    if account is None:
        return AccountNotFound()
    if account.unit != request.unit:
        return UnitMismatch()
    if account_id == request.credit_account_id and request.credit_cap is not None:
        return CapExceeded()
    return InsufficientFunds()


def _same_transfer(existing: LedgerTransfer, values: dict[str, Any]) -> bool:
    fields = ("kind", "debit_account_id", "credit_account_id", "amount", "unit", "code")
    return all(getattr(existing, name) == values[name] for name in fields)


# --- resolving holds --------------------------------------------------------------------------

Resolution = Literal["post", "void", "expire"]


async def post(
    session: AsyncSession, pending_id: int, amount: int | None = None, key: str | None = None
) -> LedgerTransfer:
    """Post a hold, in full or for less (the rest is released)."""
    return await _resolve(session, pending_id, "post", amount, key)


async def void(session: AsyncSession, pending_id: int, key: str | None = None) -> LedgerTransfer:
    """Release a hold: the money stays where it was."""
    return await _resolve(session, pending_id, "void", None, key)


async def expire(
    session: AsyncSession, pending_id: int, now: datetime | None = None
) -> LedgerTransfer:
    """Release a hold whose expiry has passed (by `now`, the clock's time unless given)."""
    return await _resolve(session, pending_id, "expire", None, None, now)


async def _resolve(
    session: AsyncSession,
    pending_id: int,
    kind: Resolution,
    amount: int | None,
    key: str | None,
    now: datetime | None = None,
) -> LedgerTransfer:
    pending = await repository.transfer_by_id(session, pending_id)
    if pending is None or pending.kind != "pending":
        raise PendingNotFound()
    moment = now or clock.now()
    resolved_amount = pending.amount
    if kind == "post" and amount is not None:
        resolved_amount = _validate_amount(amount)
        if resolved_amount > pending.amount:
            raise InvalidAmount("A hold can be posted for at most its amount.")
    values = {
        "transfer_key": key or f"{kind}-{pending_id}",
        "kind": kind,
        "debit_account_id": pending.debit_account_id,
        "credit_account_id": pending.credit_account_id,
        "amount": resolved_amount,
        "unit": pending.unit,
        "pending_id": pending_id,
        "expires_at": None,
        "code": pending.code,
        "reference": pending.reference,
        "created_at": moment,
    }
    due = pending.expires_at is not None and moment >= pending.expires_at
    refusal: LedgerError | None = None
    if kind == "post" and due:
        refusal = PendingExpired()
    elif kind == "expire" and not due:
        refusal = AlreadyResolved("This hold has not expired yet.")
    # The unique pending_id makes this insert the one gate: of many resolvers, one gets in.
    new_id = None if refusal else await repository.insert_transfer(session, values)
    if new_id is None:
        existing = await repository.resolution_of(session, pending_id)
        if existing is not None:
            if existing.transfer_key == values["transfer_key"] and _same_transfer(existing, values):
                return existing  # a replay of this very resolution
            raise refusal or AlreadyResolved()
        raise refusal or TransferKeyReused()
    posted = resolved_amount if kind == "post" else 0
    sides: list[tuple[int, Deltas]] = sorted(
        [
            (
                pending.debit_account_id,
                {"debits_pending": -pending.amount, "debits_posted": posted},
            ),
            (
                pending.credit_account_id,
                {"credits_pending": -pending.amount, "credits_posted": posted},
            ),
        ],
        key=lambda side: side[0],
    )
    for account_id, deltas in sides:
        await repository.change_sums(session, account_id, pending.unit, deltas)
    LEDGER_TRANSFERS.labels(kind).inc()
    return LedgerTransfer(id=new_id, **values)


# --- batches and chains -----------------------------------------------------------------------


async def create_transfers(
    session: AsyncSession, requests: Sequence[TransferRequest], *, atomic: bool = False
) -> list[TransferResult]:
    """Apply many transfers in one transaction, one result each.

    With `atomic=True` the transfers form a chain: all are made or, if one fails, none
    (ChainFailed carries which one failed). On PostgreSQL the whole batch is one statement
    (`ledger.postgres`); elsewhere the portable path.
    """
    if dialect_name(session) == "postgresql":
        return await postgres.apply_batch(session, requests, atomic=atomic)
    return await portable_create_transfers(session, requests, atomic=atomic)


async def portable_create_transfers(
    session: AsyncSession, requests: Sequence[TransferRequest], *, atomic: bool = False
) -> list[TransferResult]:
    """`create_transfers` in portable SQL: the accounts locked once in id order, then each
    transfer in turn."""
    await repository.lock_accounts(
        session, [r.debit_account_id for r in requests] + [r.credit_account_id for r in requests]
    )
    if not atomic:
        return [await _try_transfer(session, request) for request in requests]
    savepoint = await session.begin_nested()
    results: list[TransferResult] = []
    for index, request in enumerate(requests):
        result = await _try_transfer(session, request)
        results.append(result)
        if not result.ok:
            await savepoint.rollback()
            raise ChainFailed(f"Transfer {index + 1} of the chain failed: {result.error}")
    await savepoint.commit()
    return results


async def _try_transfer(session: AsyncSession, request: TransferRequest) -> TransferResult:
    try:
        return TransferResult(await portable_transfer(session, request))
    except LedgerError as error:
        return TransferResult(None, error)


# --- expiry -----------------------------------------------------------------------------------


async def expire_due(session: AsyncSession, now: datetime | None = None, limit: int = 200) -> int:
    """Expire holds past their expiry that nobody resolved; returns how many."""
    moment = now or clock.now()
    resolution = aliased(LedgerTransfer)
    statement = (
        select(LedgerTransfer.id)
        .where(
            LedgerTransfer.kind == "pending",
            LedgerTransfer.expires_at.is_not(None),
            LedgerTransfer.expires_at <= moment,
            ~exists().where(resolution.pending_id == LedgerTransfer.id),
        )
        .order_by(LedgerTransfer.id)
        .limit(limit)
    )
    expired = 0
    for pending_id in (await session.execute(statement)).scalars():
        try:
            await expire(session, pending_id, moment)
            expired += 1
        except AlreadyResolved:
            continue
    return expired
