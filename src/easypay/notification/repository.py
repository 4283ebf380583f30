"""Every query of the inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import Notification
from easypay.models.base import table_of


async def page_of(
    session: AsyncSession, user_id: int, unread_only: bool, cursor: int | None, limit: int
) -> list[Notification]:
    statement = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    if cursor is not None:
        statement = statement.where(Notification.id < cursor)
    statement = statement.order_by(Notification.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def unread_count(session: AsyncSession, user_id: int) -> int:
    statement = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int((await session.execute(statement)).scalar_one())


async def mark_read(
    session: AsyncSession,
    user_id: int,
    notification_id: int | None,
    now: datetime,
    *,
    link: str | None = None,
) -> int:
    """Mark one message (or, with None, all; or those pointing at `link`) of this user read;
    returns how many changed."""
    table = table_of(Notification)
    statement = update(table).where(table.c.user_id == user_id, table.c.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(table.c.id == notification_id)
    if link is not None:
        statement = statement.where(table.c.link == link)
    result = await session.execute(statement.values(read_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


async def owned(session: AsyncSession, user_id: int, notification_id: int) -> Notification | None:
    notification = await session.get(Notification, notification_id)
    return notification if notification is not None and notification.user_id == user_id else None
