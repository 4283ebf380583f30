"""The inbox's rules: write a message for someone, read one's own, mark them read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.kit.clock import clock
from easypay.models import Notification, User
from easypay.notification import repository
from easypay.notification.errors import NotificationNotFound


async def notify(
    session: AsyncSession, user_id: int, kind: str, data: dict[str, Any], link: str = ""
) -> Notification:
    """Leave a message in a user's inbox, in the caller's transaction (so it exists exactly
    when what it tells of does)."""
    notification = Notification(
        user_id=user_id, kind=kind, data=data, link=link, created_at=clock.now(), read_at=None
    )
    session.add(notification)
    await session.flush()
    return notification


async def inbox(
    session: AsyncSession, user: User, unread_only: bool, cursor: int | None, limit: int
) -> list[Notification]:
    return await repository.page_of(session, user.id, unread_only, cursor, limit)


async def unread_count(session: AsyncSession, user: User) -> int:
    return await repository.unread_count(session, user.id)


async def mark_read(session: AsyncSession, user: User, notification_id: int) -> Notification:
    notification = await repository.owned(session, user.id, notification_id)
    if notification is None:
        raise NotificationNotFound()
    await repository.mark_read(session, user.id, notification_id, clock.now())
    await session.refresh(notification)
    return notification


async def mark_all_read(session: AsyncSession, user: User) -> int:
    return await repository.mark_read(session, user.id, None, clock.now())


async def mark_read_about(session: AsyncSession, user_id: int, link: str) -> int:
    """The user's messages about `link` are read: what they asked is done (e.g. answered)."""
    return await repository.mark_read(session, user_id, None, clock.now(), link=link)
