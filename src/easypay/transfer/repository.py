"""Every query of the transfer package. A transfer changes state only through `change_status`,
a conditional UPDATE from `sent`: of two people acting at once (receive and cancel), one wins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import BankOperation, MoneyRequest, MoneyRequestItem, PersonTransfer, User
from easypay.models.base import table_of


def addressed_to(user: User) -> ColumnElement[bool]:
    """Transfers this user may receive: sent to them, or to their phone before they joined."""
    return or_(
        PersonTransfer.recipient_id == user.id,
        and_(PersonTransfer.recipient_id.is_(None), PersonTransfer.recipient_phone == user.phone),
    )


def visible_to(user: User) -> ColumnElement[bool]:
    return or_(PersonTransfer.sender_id == user.id, addressed_to(user))


async def transfer_visible_to(
    session: AsyncSession, user: User, transfer_id: int
) -> PersonTransfer | None:
    statement = select(PersonTransfer).where(PersonTransfer.id == transfer_id, visible_to(user))
    return (await session.execute(statement)).scalar_one_or_none()


async def transfer_by_key(session: AsyncSession, request_key: str) -> PersonTransfer | None:
    statement = select(PersonTransfer).where(PersonTransfer.request_key == request_key)
    return (await session.execute(statement)).scalar_one_or_none()


async def change_status(
    session: AsyncSession,
    transfer_id: int,
    status: str,
    now: datetime,
    *conditions: ColumnElement[bool],
    **values: Any,
) -> bool:
    """`sent` → `status` if the transfer is still `sent` and meets `conditions`."""
    statement = (
        update(PersonTransfer)
        .where(PersonTransfer.id == transfer_id, PersonTransfer.status == "sent", *conditions)
        .values(status=status, resolved_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def transfers_of(
    session: AsyncSession,
    user: User,
    direction: str,
    status: str | None,
    cursor: int | None,
    limit: int,
) -> list[PersonTransfer]:
    if direction == "sent":
        condition: ColumnElement[bool] = PersonTransfer.sender_id == user.id
    elif direction == "received":
        condition = addressed_to(user)
    else:
        condition = visible_to(user)
    statement = select(PersonTransfer).where(condition)
    if status is not None:
        statement = statement.where(PersonTransfer.status == status)
    if cursor is not None:
        statement = statement.where(PersonTransfer.id < cursor)
    statement = statement.order_by(PersonTransfer.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def due_to_return(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    statement = (
        select(PersonTransfer.id)
        .where(PersonTransfer.status == "sent", PersonTransfer.expires_at <= now)
        .order_by(PersonTransfer.expires_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def due_for_reminder(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    statement = (
        select(PersonTransfer.id)
        .where(
            PersonTransfer.status == "sent",
            PersonTransfer.remind_at <= now,
            PersonTransfer.reminded_at.is_(None),
        )
        .order_by(PersonTransfer.remind_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def mark_reminded(session: AsyncSession, transfer_id: int, now: datetime) -> bool:
    """Claim the reminder (once, whoever runs it)."""
    result = await session.execute(
        update(PersonTransfer)
        .where(
            PersonTransfer.id == transfer_id,
            PersonTransfer.status == "sent",
            PersonTransfer.reminded_at.is_(None),
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def users_by_id(session: AsyncSession, user_ids: set[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User).where(User.id.in_(user_ids)))
    return {user.id: user for user in rows.scalars()}


# --- money requests ---------------------------------------------------------------------------


async def request_by_key(session: AsyncSession, request_key: str) -> MoneyRequest | None:
    statement = select(MoneyRequest).where(MoneyRequest.request_key == request_key)
    return (await session.execute(statement)).scalar_one_or_none()


async def items_of(session: AsyncSession, money_request_id: int) -> list[MoneyRequestItem]:
    statement = (
        select(MoneyRequestItem)
        .where(MoneyRequestItem.money_request_id == money_request_id)
        .order_by(MoneyRequestItem.id)
    )
    return list((await session.execute(statement)).scalars())


async def request_visible_to(
    session: AsyncSession, user: User, money_request_id: int
) -> MoneyRequest | None:
    """The requester and everyone asked may see a request (a dutch pay's board is shared)."""
    asked = select(MoneyRequestItem.id).where(
        MoneyRequestItem.money_request_id == MoneyRequest.id, MoneyRequestItem.payer_id == user.id
    )
    statement = select(MoneyRequest).where(
        MoneyRequest.id == money_request_id,
        or_(MoneyRequest.requester_id == user.id, asked.exists()),
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def requests_of(
    session: AsyncSession, user: User, role: str, cursor: int | None, limit: int
) -> list[MoneyRequest]:
    asked = select(MoneyRequestItem.id).where(
        MoneyRequestItem.money_request_id == MoneyRequest.id, MoneyRequestItem.payer_id == user.id
    )
    if role == "sent":
        condition: ColumnElement[bool] = MoneyRequest.requester_id == user.id
    elif role == "received":
        condition = asked.exists()
    else:
        condition = or_(MoneyRequest.requester_id == user.id, asked.exists())
    statement = select(MoneyRequest).where(condition)
    if cursor is not None:
        statement = statement.where(MoneyRequest.id < cursor)
    statement = statement.order_by(MoneyRequest.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def answer_item(
    session: AsyncSession,
    money_request_id: int,
    payer_id: int,
    status: str,
    now: datetime,
    ledger_transfer_id: int | None = None,
) -> bool:
    """`pending` → `status`, once: of two answers at once, one wins."""
    table = table_of(MoneyRequestItem)
    result = await session.execute(
        update(table)
        .where(
            table.c.money_request_id == money_request_id,
            table.c.payer_id == payer_id,
            table.c.status == "pending",
        )
        .values(status=status, resolved_at=now, ledger_transfer_id=ledger_transfer_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def close_request(session: AsyncSession, money_request_id: int, now: datetime) -> bool:
    table = table_of(MoneyRequest)
    result = await session.execute(
        update(table)
        .where(table.c.id == money_request_id, table.c.status == "open")
        .values(status="closed", closed_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def lock_open_request(session: AsyncSession, money_request_id: int) -> bool:
    """Hold the request open while a payment is made (a close waits, then sees it paid)."""
    table = table_of(MoneyRequest)
    result = await session.execute(
        update(table)
        .where(table.c.id == money_request_id, table.c.status == "open")
        .values(status="open")
    )
    return bool(getattr(result, "rowcount", 0))


async def requests_due_for_reminder(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    statement = (
        select(MoneyRequest.id)
        .where(
            MoneyRequest.status == "open",
            MoneyRequest.remind_at.is_not(None),
            MoneyRequest.remind_at <= now,
            MoneyRequest.reminded_at.is_(None),
        )
        .order_by(MoneyRequest.remind_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def mark_request_reminded(
    session: AsyncSession, money_request_id: int, now: datetime
) -> bool:
    table = table_of(MoneyRequest)
    result = await session.execute(
        update(table)
        .where(
            table.c.id == money_request_id,
            table.c.status == "open",
            table.c.reminded_at.is_(None),
        )
        .values(reminded_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


# --- transfers to bank accounts (Pay Money's bank operations of kind `transfer`) --------------


async def bank_transfers_of(
    session: AsyncSession, user_id: int, cursor: int | None, limit: int
) -> list[BankOperation]:
    statement = select(BankOperation).where(
        BankOperation.user_id == user_id, BankOperation.kind == "transfer"
    )
    if cursor is not None:
        statement = statement.where(BankOperation.id < cursor)
    statement = statement.order_by(BankOperation.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def bank_transfer_of(
    session: AsyncSession, user_id: int, operation_id: int
) -> BankOperation | None:
    statement = select(BankOperation).where(
        BankOperation.id == operation_id,
        BankOperation.user_id == user_id,
        BankOperation.kind == "transfer",
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def claim_waiting_for_phone(session: AsyncSession, user: User) -> list[PersonTransfer]:
    """Transfers still waiting for this user's phone number become addressed to the user."""
    statement = select(PersonTransfer).where(
        PersonTransfer.recipient_id.is_(None),
        PersonTransfer.recipient_phone == user.phone,
        PersonTransfer.status == "sent",
    )
    waiting = list((await session.execute(statement)).scalars())
    for transfer in waiting:
        transfer.recipient_id = user.id
    await session.flush()
    return waiting
