"""The ledger's write path on PostgreSQL in one round trip per call.

`apply_one` and `apply_batch` call the PL/pgSQL functions of the migration
`2026_11_26_0003_ledger_functions` and give exactly the answers of `ledger.service.transfer`
and `ledger.service.create_transfers`: the same transfers, the same balances, the same
LedgerError subclasses (with the same messages), replays answered with the transfer made the
first time. They run in the caller's transaction and never commit.

Why: the generic path costs five statements per transfer and about 2 ms of Python
(SQLAlchemy builds, caches and runs each statement); here one statement carries a whole batch,
and the database decides the transfers one after the other in memory, updating each touched
account once with its net change. PostgreSQL only: on SQLite use `ledger.service`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.instrumentation import manager_of_class

from easypay.kit.clock import clock
from easypay.ledger.errors import (
    AccountNotFound,
    CapExceeded,
    ChainFailed,
    InsufficientFunds,
    InvalidAmount,
    LedgerError,
    TransferKeyReused,
    UnitMismatch,
)
from easypay.ledger.schemas import TransferRequest, TransferResult
from easypay.models import LedgerTransfer
from easypay.observability import LEDGER_TRANSFERS

# The same bound as ledger.service.MAX_AMOUNT (a test keeps them equal; importing the service
# here would make a cycle once the service routes to this module).
MAX_AMOUNT = 10**15

MADE = 0
REPLAYED = 1
_REFUSALS: dict[int, type[LedgerError]] = {
    2: AccountNotFound,
    3: UnitMismatch,
    4: CapExceeded,
    5: InsufficientFunds,
    6: TransferKeyReused,
}

_TRANSFER_CLASS = manager_of_class(LedgerTransfer)

_TRANSFER = (
    "SELECT r_status, r_id, r_expires_at, r_reference, r_created_at"
    " FROM ledger_transfer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
)
_TRANSFER_BATCH = (
    "SELECT r_status, r_id, r_expires_at, r_reference, r_created_at"
    " FROM ledger_transfer_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
)


async def apply_one(session: AsyncSession, request: TransferRequest) -> LedgerTransfer:
    """`ledger.service.transfer` in one statement; raises the same LedgerError subclasses."""
    _check_before_database(request)
    now = clock.now()
    parameters = (
        request.key,
        request.kind,
        request.debit_account_id,
        request.credit_account_id,
        request.amount,
        request.unit,
        request.code,
        request.reference,
        _utc(request.expires_at),
        request.credit_cap,
        _utc(now),
    )
    rows = await _fetch(session, _TRANSFER, parameters)
    result = _result(request, rows[0], now)
    if result.error is not None:
        raise result.error
    assert result.transfer is not None
    if rows[0][0] == MADE:
        LEDGER_TRANSFERS.labels(request.kind).inc()
    return result.transfer


async def apply_batch(
    session: AsyncSession, requests: Sequence[TransferRequest], *, atomic: bool = False
) -> list[TransferResult]:
    """`ledger.service.create_transfers` in one statement: one result per request, in order.

    Each transfer sees the balances left by the ones before it; a refused one changes nothing.
    With `atomic=True` all are made or, if one fails, none (ChainFailed says which).
    """
    if not atomic:
        return await _apply_batch(session, requests)
    savepoint = await session.begin_nested()
    results = await _apply_batch(session, requests)
    for index, result in enumerate(results):
        if not result.ok:
            await savepoint.rollback()
            raise ChainFailed(f"Transfer {index + 1} of the chain failed: {result.error}")
    await savepoint.commit()
    return results


async def _apply_batch(
    session: AsyncSession, requests: Sequence[TransferRequest]
) -> list[TransferResult]:
    results: list[TransferResult | None] = [None] * len(requests)
    sent: list[TransferRequest] = []
    sent_at: list[int] = []
    for index, request in enumerate(requests):
        try:
            _check_before_database(request)
        except LedgerError as error:
            results[index] = TransferResult(None, error)
        else:
            sent.append(request)
            sent_at.append(index)
    if sent:
        now = clock.now()
        account_ids = sorted(
            {r.debit_account_id for r in sent} | {r.credit_account_id for r in sent}
        )
        position = {account_id: number for number, account_id in enumerate(account_ids, 1)}
        parameters = (
            account_ids,
            [position[r.debit_account_id] for r in sent],
            [position[r.credit_account_id] for r in sent],
            [r.amount for r in sent],
            [r.unit for r in sent],
            [r.pending for r in sent],
            [r.credit_cap for r in sent],
            [r.key for r in sent],
            [r.code for r in sent],
            [r.reference for r in sent],
            [_utc(r.expires_at) for r in sent],
            _utc(now),
        )
        rows = await _fetch(session, _TRANSFER_BATCH, parameters)
        made: Counter[str] = Counter()
        for index, request, row in zip(sent_at, sent, rows, strict=True):
            results[index] = _result(request, row, now)
            if row[0] == MADE:
                made[request.kind] += 1
        for kind, count in made.items():
            LEDGER_TRANSFERS.labels(kind).inc(count)
    return [result for result in results if result is not None]


def _check_before_database(request: TransferRequest) -> None:
    """The refusals ledger.service makes before it touches the database, in its order."""
    amount = request.amount
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmount()
    if request.debit_account_id == request.credit_account_id:
        raise InvalidAmount("A transfer needs two different accounts.")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use clock.now()")
    return moment.astimezone(UTC)


def _result(request: TransferRequest, row: Sequence[Any], now: datetime) -> TransferResult:
    status, transfer_id, expires_at, reference, created_at = row
    if status == MADE:
        return TransferResult(
            _transfer(request, transfer_id, request.expires_at, request.reference, now)
        )
    if status == REPLAYED:
        return TransferResult(_transfer(request, transfer_id, expires_at, reference, created_at))
    return TransferResult(None, _REFUSALS[status]())


def _transfer(
    request: TransferRequest,
    transfer_id: int,
    expires_at: datetime | None,
    reference: str,
    created_at: datetime,
) -> LedgerTransfer:
    """A transient LedgerTransfer, as ledger.service returns, built the way the ORM builds loaded
    rows: the declarative constructor costs ~30 µs an object, a large share of a batch."""
    transfer: LedgerTransfer = _TRANSFER_CLASS.new_instance()
    transfer.__dict__.update(
        id=transfer_id,
        transfer_key=request.key,
        kind=request.kind,
        debit_account_id=request.debit_account_id,
        credit_account_id=request.credit_account_id,
        amount=request.amount,
        unit=request.unit,
        pending_id=None,
        expires_at=expires_at,
        code=request.code,
        reference=reference,
        created_at=created_at,
    )
    return transfer


async def _fetch(session: AsyncSession, statement: str, parameters: tuple[Any, ...]) -> list[Any]:
    """Run one statement on the session's connection, inside its transaction."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        raise RuntimeError("easypay.ledger.postgres needs PostgreSQL; use ledger.service.")
    result = await connection.exec_driver_sql(statement, parameters)
    return list(result.all())
