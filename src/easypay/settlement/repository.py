"""Every query of settlement. A statement changes status only through the conditional updates
here (`start_payout`, `finish_payout`), so of two runs at once exactly one moves it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import dialect_name
from easypay.models import (
    Merchant,
    OutboxJob,
    Payment,
    PaymentAction,
    Settlement,
    SettlementLine,
)
from easypay.models.base import table_of

SETTLEMENTS = table_of(Settlement)
LINES = table_of(SettlementLine)
OUTBOX = table_of(OutboxJob)
SETTLED_KINDS = ("PAYMENT", "CANCEL")


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    return dialect.insert(table)


# --- building statements ----------------------------------------------------------------------


def _unsettled(cutoff: datetime) -> Any:
    """Payment actions before `cutoff` that no statement has taken yet."""
    return (
        PaymentAction.kind.in_(SETTLED_KINDS),
        PaymentAction.created_at < cutoff,
        ~exists().where(SettlementLine.payment_action_id == PaymentAction.id),
    )


async def merchants_with_unsettled(session: AsyncSession, cutoff: datetime) -> list[int]:
    statement = (
        select(Payment.merchant_id)
        .join(PaymentAction, PaymentAction.payment_id == Payment.id)
        .where(*_unsettled(cutoff))
        .distinct()
        .order_by(Payment.merchant_id)
    )
    return list((await session.execute(statement)).scalars())


async def unsettled_actions(
    session: AsyncSession, merchant_id: int, cutoff: datetime
) -> list[Row[PaymentAction, str]]:
    """The merchant's unsettled actions before `cutoff`, oldest first, with the payment's tid."""
    statement = (
        select(PaymentAction, Payment.tid)
        .join(Payment, PaymentAction.payment_id == Payment.id)
        .where(Payment.merchant_id == merchant_id, *_unsettled(cutoff))
        .order_by(PaymentAction.created_at, PaymentAction.id)
    )
    return list(await session.execute(statement))


async def insert_statement(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """The statement of (merchant, business date) unless one exists; its id, or None.

    On PostgreSQL a second writer waits here for the first one's commit, then gets None."""
    statement = (
        _insert(session, SETTLEMENTS)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["merchant_id", "business_date"])
        .returning(SETTLEMENTS.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def insert_lines(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Plain inserts: an action already on another statement is an IntegrityError, which rolls
    the whole statement back (the caller builds it again)."""
    if rows:
        await session.execute(LINES.insert(), list(rows))


# --- the day marker ---------------------------------------------------------------------------


async def days_done(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    statement = select(OUTBOX.c.dedupe_key).where(OUTBOX.c.dedupe_key.in_(keys))
    return {key for key in (await session.execute(statement)).scalars() if key is not None}


async def mark_day_done(session: AsyncSession, key: str, now: datetime) -> None:
    """A finished-marker row (state `done`: the outbox never runs it), once per key."""
    statement = (
        _insert(session, OUTBOX)
        .values(
            kind="settlement.day",
            payload="{}",
            dedupe_key=key,
            state="done",
            run_at=now,
            attempts=0,
            last_error="",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    await session.execute(statement)


# --- reading statements -----------------------------------------------------------------------


async def statement_by_id(session: AsyncSession, settlement_id: int) -> Settlement | None:
    statement = select(Settlement).where(Settlement.id == settlement_id)
    return (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def statements_of(
    session: AsyncSession, merchant_id: int, before_id: int | None, limit: int
) -> list[Settlement]:
    """A merchant's statements, newest first (ids grow with business dates)."""
    statement = select(Settlement).where(Settlement.merchant_id == merchant_id)
    if before_id is not None:
        statement = statement.where(Settlement.id < before_id)
    statement = statement.order_by(Settlement.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def statement_of(
    session: AsyncSession, merchant_id: int, settlement_id: int
) -> Settlement | None:
    """One statement, only if it is this merchant's."""
    statement = select(Settlement).where(
        Settlement.id == settlement_id, Settlement.merchant_id == merchant_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def lines_of(
    session: AsyncSession, settlement_id: int
) -> list[Row[SettlementLine, str, datetime]]:
    """A statement's lines, oldest action first, with each action's aid and time."""
    statement = (
        select(SettlementLine, PaymentAction.aid, PaymentAction.created_at)
        .join(PaymentAction, PaymentAction.id == SettlementLine.payment_action_id)
        .where(SettlementLine.settlement_id == settlement_id)
        .order_by(PaymentAction.created_at, PaymentAction.id)
    )
    return list(await session.execute(statement))


async def line_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    statement = (
        select(SettlementLine.settlement_id, func.count())
        .where(SettlementLine.settlement_id.in_(ids))
        .group_by(SettlementLine.settlement_id)
    )
    return {row[0]: int(row[1]) for row in await session.execute(statement)}


async def unsettled_summary(session: AsyncSession, merchant_id: int) -> list[Row[str, int]]:
    """(kind, amount) of the merchant's actions no statement has taken yet."""
    statement = (
        select(PaymentAction.kind, PaymentAction.amount)
        .join(Payment, PaymentAction.payment_id == Payment.id)
        .where(
            Payment.merchant_id == merchant_id,
            PaymentAction.kind.in_(SETTLED_KINDS),
            ~exists().where(SettlementLine.payment_action_id == PaymentAction.id),
        )
    )
    return list(await session.execute(statement))


# --- paying -----------------------------------------------------------------------------------


async def payable_statement_ids(
    session: AsyncSession, after_id: int | None, limit: int
) -> list[int]:
    """Statements waiting for a payout: new or waiting for an account (`open`), or refused
    by the bank (`failed`), oldest first."""
    statement = select(Settlement.id).where(Settlement.status.in_(("open", "failed")))
    if after_id is not None:
        statement = statement.where(Settlement.id > after_id)
    statement = statement.order_by(Settlement.id).limit(limit)
    return list((await session.execute(statement)).scalars())


async def unanswered_statement_ids(
    session: AsyncSession, older_than: datetime, limit: int
) -> list[int]:
    """Payouts sent before `older_than` that never got a clear answer."""
    statement = (
        select(Settlement.id)
        .where(Settlement.status == "paying", Settlement.updated_at <= older_than)
        .order_by(Settlement.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def merchant(session: AsyncSession, merchant_id: int) -> Merchant | None:
    return await session.get(Merchant, merchant_id, populate_existing=True)


async def note_waiting(
    session: AsyncSession, settlement_id: int, code: str, message: str, now: datetime
) -> None:
    """Say why an open statement is not paid yet (no account)."""
    await session.execute(
        update(SETTLEMENTS)
        .where(SETTLEMENTS.c.id == settlement_id, SETTLEMENTS.c.status == "open")
        .values(bank_result_code=code, bank_message=message[:200], updated_at=now)
    )


async def start_payout(
    session: AsyncSession,
    settlement_id: int,
    bank_tran_id: str,
    account: tuple[str, str, str],
    now: datetime,
) -> int | None:
    """open/failed → paying with a fresh bank_tran_id; the attempt's number, or None if
    another run got there first."""
    bank_code, account_number, holder_name = account
    statement = (
        update(SETTLEMENTS)
        .where(SETTLEMENTS.c.id == settlement_id, SETTLEMENTS.c.status.in_(("open", "failed")))
        .values(
            status="paying",
            bank_tran_id=bank_tran_id,
            bank_code=bank_code,
            account_number=account_number,
            holder_name=holder_name,
            bank_result_code="",
            bank_message="",
            attempts=SETTLEMENTS.c.attempts + 1,
            updated_at=now,
        )
        .returning(SETTLEMENTS.c.attempts)
    )
    attempts: int | None = (await session.execute(statement)).scalar_one_or_none()
    return attempts


async def set_pending_transfer(session: AsyncSession, settlement_id: int, transfer_id: int) -> None:
    await session.execute(
        update(SETTLEMENTS)
        .where(SETTLEMENTS.c.id == settlement_id)
        .values(pending_transfer_id=transfer_id)
    )


async def finish_payout(
    session: AsyncSession,
    settlement_id: int,
    bank_tran_id: str,
    status: str,
    result_code: str,
    message: str,
    now: datetime,
) -> bool:
    """paying → `status` for this very attempt; False if the attempt was settled already."""
    values: dict[str, Any] = {
        "status": status,
        "bank_result_code": result_code[:16],
        "bank_message": message[:200],
        "updated_at": now,
    }
    if status == "paid":
        values["paid_at"] = now
    statement = (
        update(SETTLEMENTS)
        .where(
            SETTLEMENTS.c.id == settlement_id,
            SETTLEMENTS.c.status == "paying",
            SETTLEMENTS.c.bank_tran_id == bank_tran_id,
        )
        .values(**values)
        .returning(SETTLEMENTS.c.id)
    )
    return (await session.execute(statement)).first() is not None


async def note_unknown(
    session: AsyncSession, settlement_id: int, bank_tran_id: str, message: str
) -> None:
    """Keep what the bank (did not) say on a payout still `paying` (updated_at unchanged, so the
    reconciliation's age counts from the attempt)."""
    await session.execute(
        update(SETTLEMENTS)
        .where(
            SETTLEMENTS.c.id == settlement_id,
            SETTLEMENTS.c.status == "paying",
            SETTLEMENTS.c.bank_tran_id == bank_tran_id,
        )
        .values(bank_result_code="UNKNOWN", bank_message=message[:200])
    )
