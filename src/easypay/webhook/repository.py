"""Every query of webhooks: events of a merchant (newest first), their attempts, and the locks
the delivery and the settings take."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import Merchant, WebhookAttempt, WebhookEvent

MSG_ID_LENGTH = 40


async def merchant(session: AsyncSession, merchant_id: int, *, for_update: bool) -> Merchant | None:
    statement = select(Merchant).where(Merchant.id == merchant_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def event(
    session: AsyncSession, event_id: int, *, for_update: bool = False
) -> WebhookEvent | None:
    statement = select(WebhookEvent).where(WebhookEvent.id == event_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def event_of(
    session: AsyncSession, merchant_id: int, msg_id: str, *, for_update: bool = False
) -> WebhookEvent | None:
    """The merchant's event with this webhook-id; another merchant's is None."""
    if len(msg_id) > MSG_ID_LENGTH:
        return None
    statement = select(WebhookEvent).where(
        WebhookEvent.msg_id == msg_id, WebhookEvent.merchant_id == merchant_id
    )
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def events_page(
    session: AsyncSession,
    merchant_id: int,
    cursor: int | None,
    limit: int,
    state: str | None = None,
) -> list[WebhookEvent]:
    statement = select(WebhookEvent).where(WebhookEvent.merchant_id == merchant_id)
    if state is not None:
        statement = statement.where(WebhookEvent.state == state)
    if cursor is not None:
        statement = statement.where(WebhookEvent.id < cursor)
    statement = statement.order_by(WebhookEvent.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def attempts_of(
    session: AsyncSession, event_ids: Sequence[int]
) -> dict[int, list[WebhookAttempt]]:
    """Each event's attempts, oldest first."""
    found: dict[int, list[WebhookAttempt]] = {event_id: [] for event_id in event_ids}
    if not event_ids:
        return found
    statement = (
        select(WebhookAttempt)
        .where(WebhookAttempt.event_id.in_(list(event_ids)))
        .order_by(WebhookAttempt.event_id, WebhookAttempt.number, WebhookAttempt.id)
    )
    for attempt in (await session.execute(statement)).scalars():
        found[attempt.event_id].append(attempt)
    return found
