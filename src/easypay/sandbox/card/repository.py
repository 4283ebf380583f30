"""Every query of the sandbox card issuer.

The limit changes only through conditional updates (`used + :amount <= credit_limit`), captured
and cancelled amounts likewise, and a request id is claimed by inserting its row (unique), so
concurrent requests — on SQLite or PostgreSQL — can neither overdraw a limit nor act twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import SandboxCard, SandboxCardAuthorization, SandboxCardFault

Card = SandboxCard
Row = SandboxCardAuthorization
Fault = SandboxCardFault
NO_SYNC = {"synchronize_session": False}
FRESH = {"populate_existing": True}


def _insert(session: AsyncSession, entity: Any) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(entity)


# --- cards -------------------------------------------------------------------------------------


async def card_by_number(session: AsyncSession, number: str) -> SandboxCard | None:
    statement = select(Card).where(Card.number == number).execution_options(**FRESH)
    return (await session.execute(statement)).scalar_one_or_none()


async def card_by_token(session: AsyncSession, token: str) -> SandboxCard | None:
    statement = select(Card).where(Card.token == token).execution_options(**FRESH)
    return (await session.execute(statement)).scalar_one_or_none()


async def card_by_id(session: AsyncSession, card_id: int) -> SandboxCard | None:
    statement = select(Card).where(Card.id == card_id).execution_options(**FRESH)
    return (await session.execute(statement)).scalar_one_or_none()


async def insert_card_if_missing(session: AsyncSession, values: dict[str, Any]) -> None:
    """Create a card unless one with this number exists (safe to race)."""
    await session.execute(_insert(session, Card).values(**values).on_conflict_do_nothing())


async def set_token_if_missing(session: AsyncSession, card_id: int, token: str) -> None:
    statement = (
        update(Card)
        .where(Card.id == card_id, Card.token.is_(None))
        .values(token=token)
        .execution_options(**NO_SYNC)
    )
    await session.execute(statement)


async def update_card(session: AsyncSession, card_id: int, values: dict[str, Any]) -> None:
    statement = update(Card).where(Card.id == card_id).values(**values)
    await session.execute(statement.execution_options(**NO_SYNC))


async def hold(session: AsyncSession, card_id: int, amount: int) -> bool:
    """Hold `amount` against the limit if it fits; False if it does not."""
    statement = (
        update(Card)
        .where(Card.id == card_id, Card.used + amount <= Card.credit_limit)
        .values(used=Card.used + amount)
        .returning(Card.id)
        .execution_options(**NO_SYNC)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def release(session: AsyncSession, card_id: int, amount: int) -> None:
    statement = (
        update(Card)
        .where(Card.id == card_id)
        .values(used=Card.used - amount)
        .execution_options(**NO_SYNC)
    )
    await session.execute(statement)


# --- authorisations and their captures and cancels (one row per request id) -------------------


async def claim(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the row of a request id; False if the id is taken. On PostgreSQL a concurrent
    claim of the same id waits here until the first commits, then gets False."""
    statement = (
        _insert(session, Row)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["request_id"])
        .returning(Row.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def by_request_id(session: AsyncSession, request_id: str) -> SandboxCardAuthorization | None:
    statement = select(Row).where(Row.request_id == request_id).execution_options(**FRESH)
    return (await session.execute(statement)).scalar_one_or_none()


async def by_approval_id(
    session: AsyncSession, approval_id: str
) -> SandboxCardAuthorization | None:
    statement = select(Row).where(Row.approval_id == approval_id).execution_options(**FRESH)
    return (await session.execute(statement)).scalar_one_or_none()


async def approval_id_taken(session: AsyncSession, approval_id: str) -> bool:
    statement = select(Row.id).where(Row.approval_id == approval_id)
    return (await session.execute(statement)).first() is not None


async def finish(session: AsyncSession, request_id: str, values: dict[str, Any]) -> None:
    statement = update(Row).where(Row.request_id == request_id).values(**values)
    await session.execute(statement.execution_options(**NO_SYNC))


async def add_capture(session: AsyncSession, row_id: int, amount: int, now: datetime) -> bool:
    """Capture `amount` more if it stays within what is authorised and not cancelled."""
    statement = (
        update(Row)
        .where(
            Row.id == row_id,
            Row.state.in_(("authorized", "captured")),
            Row.captured_amount + amount <= Row.amount - Row.canceled_amount,
        )
        .values(captured_amount=Row.captured_amount + amount, state="captured", updated_at=now)
        .returning(Row.id)
        .execution_options(**NO_SYNC)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def add_cancel(session: AsyncSession, row_id: int, amount: int, now: datetime) -> bool:
    """Cancel `amount` more if the cancels stay within the authorised amount."""
    statement = (
        update(Row)
        .where(
            Row.id == row_id,
            Row.state.in_(("authorized", "captured", "canceled")),
            Row.canceled_amount + amount <= Row.amount,
        )
        .values(canceled_amount=Row.canceled_amount + amount, updated_at=now)
        .returning(Row.id)
        .execution_options(**NO_SYNC)
    )
    if (await session.execute(statement)).scalar_one_or_none() is None:
        return False
    fully = (
        update(Row)
        .where(Row.id == row_id, Row.canceled_amount == Row.amount)
        .values(state="canceled")
        .execution_options(**NO_SYNC)
    )
    await session.execute(fully)
    return True


async def lapse_stale(session: AsyncSession, card_id: int, before: datetime, now: datetime) -> None:
    """Cancel what is left of the card's authorisations never captured and made before
    `before`, releasing the limit (conditional updates: never released twice)."""
    statement = (
        select(Row)
        .where(
            Row.card_id == card_id,
            Row.state == "authorized",
            Row.captured_amount == 0,
            Row.created_at < before,
        )
        .order_by(Row.id)
        .execution_options(**FRESH)
    )
    for row in list((await session.execute(statement)).scalars()):
        remaining = row.amount - row.canceled_amount
        if remaining > 0 and await add_cancel(session, row.id, remaining, now):
            await release(session, card_id, remaining)


# --- faults ------------------------------------------------------------------------------------


async def matching_faults(
    session: AsyncSession, operation: str, card_number: str
) -> list[SandboxCardFault]:
    statement = (
        select(Fault)
        .where(
            Fault.operation.in_([operation, "any"]),
            Fault.card_number.in_([card_number, "*"]),
            Fault.remaining > 0,
        )
        .order_by(Fault.id)
        .execution_options(**FRESH)
    )
    return list((await session.execute(statement)).scalars())


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


async def faults(session: AsyncSession) -> list[SandboxCardFault]:
    return list((await session.execute(select(Fault).order_by(Fault.id))).scalars())


async def delete_faults(session: AsyncSession) -> int:
    count = (await session.execute(select(func.count()).select_from(Fault))).scalar_one()
    await session.execute(delete(Fault).execution_options(**NO_SYNC))
    return count
