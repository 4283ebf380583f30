"""Every query of the card package; a user sees only their own cards."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import Card, User


async def cards_of(session: AsyncSession, user: User) -> list[Card]:
    """The user's active cards, oldest first."""
    statement = (
        select(Card).where(Card.user_id == user.id, Card.status == "active").order_by(Card.id)
    )
    return list((await session.execute(statement)).scalars())


async def count_active(session: AsyncSession, user: User) -> int:
    statement = (
        select(func.count())
        .select_from(Card)
        .where(Card.user_id == user.id, Card.status == "active")
    )
    return (await session.execute(statement)).scalar_one()


async def card_of(
    session: AsyncSession, user: User, card_id: int, *, for_update: bool = False
) -> Card | None:
    """One active card of the user (None for another user's card or a removed one)."""
    statement = select(Card).where(
        Card.id == card_id, Card.user_id == user.id, Card.status == "active"
    )
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def by_token(session: AsyncSession, token: str, *, for_update: bool = False) -> Card | None:
    statement = select(Card).where(Card.issuer_token == token)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def lock_wallet(session: AsyncSession, user: User) -> None:
    """Serialise one user's card registrations (PostgreSQL row lock on the user; SQLite's
    writers already run one at a time), so the card count cannot be raced past the limit."""
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
