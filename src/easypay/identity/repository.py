"""Every query of the identity package."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import AuditEvent, Friend, User, UserSession
from easypay.models.base import table_of

USERS = table_of(User)


async def user_by_phone(session: AsyncSession, phone: str) -> User | None:
    return (await session.execute(select(User).where(User.phone == phone))).scalar_one_or_none()


async def user_by_id(session: AsyncSession, user_id: int, for_update: bool = False) -> User | None:
    statement = select(User).where(User.id == user_id)
    if for_update:
        statement = statement.with_for_update()
    return (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def active_session(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[UserSession, User] | None:
    statement = (
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.token_hash == token_hash,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
    )
    row = (await session.execute(statement)).first()
    return (row[0], row[1]) if row else None


async def sessions_of(session: AsyncSession, user_id: int, now: datetime) -> list[UserSession]:
    statement = (
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.id.desc())
    )
    return list((await session.execute(statement)).scalars())


async def session_of_user(
    session: AsyncSession, user_id: int, session_id: int
) -> UserSession | None:
    statement = select(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def count_pin_failure(
    session: AsyncSession, user_id: int, max_failures: int, now: datetime
) -> int | None:
    """Add one wrong PIN atomically, locking at `max_failures`. Returns the failures so far, or
    None if the PIN was already locked (a concurrent wrong PIN got there first)."""
    failures = USERS.c.pin_failures + 1
    statement = (
        update(USERS)
        .where(USERS.c.id == user_id, USERS.c.pin_locked_at.is_(None))
        .values(
            pin_failures=failures,
            pin_locked_at=case((failures >= max_failures, now), else_=None),
        )
        .returning(USERS.c.pin_failures)
    )
    counted = (await session.execute(statement)).scalar_one_or_none()
    return None if counted is None else int(counted)


async def clear_pin_failures(session: AsyncSession, user_id: int) -> None:
    statement = (
        update(USERS)
        .where(USERS.c.id == user_id, USERS.c.pin_failures > 0, USERS.c.pin_locked_at.is_(None))
        .values(pin_failures=0)
    )
    await session.execute(statement)


async def friends_of(session: AsyncSession, user_id: int) -> list[tuple[Friend, User]]:
    statement = (
        select(Friend, User)
        .join(User, User.id == Friend.friend_user_id)
        .where(Friend.user_id == user_id)
        .order_by(User.name, Friend.id)
    )
    return [(row[0], row[1]) for row in await session.execute(statement)]


async def friendship(session: AsyncSession, user_id: int, friend_user_id: int) -> Friend | None:
    statement = select(Friend).where(
        Friend.user_id == user_id, Friend.friend_user_id == friend_user_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def users_page(
    session: AsyncSession, query: str, limit: int, offset: int
) -> tuple[list[User], int]:
    statement = select(User)
    if query:
        like = f"%{query}%"
        statement = statement.where(User.name.like(like) | User.phone.like(like))
    total = (
        await session.execute(select(func.count()).select_from(statement.subquery()))
    ).scalar_one()
    rows = await session.execute(statement.order_by(User.id.desc()).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def recent_events(session: AsyncSession, limit: int) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())
