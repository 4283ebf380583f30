"""The sending limits: per transfer, and per (KST) day for all of a user's transfers together.

The day's total is one row per user and day, raised by a conditional upsert in the same
transaction as the transfer, so two transfers sent at the same moment cannot together pass the
limit (the second waits for the first's row lock, then sees its total). Money that comes back
(declined, canceled, returned, refused by the bank) is taken off the day it was counted on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import dialect_name
from easypay.models import TransferDailyTotal
from easypay.models.base import table_of
from easypay.transfer.errors import TransferLimitExceeded

KST = timezone(timedelta(hours=9))  # Korea keeps no daylight saving time


def day_of(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def check_amount(settings: Settings, amount: int) -> None:
    if amount > settings.transfer_max_amount:
        raise TransferLimitExceeded(
            f"One transfer may send at most {settings.transfer_max_amount:,} KRW."
        )


async def count(
    session: AsyncSession, settings: Settings, user_id: int, amount: int, day: date
) -> None:
    """Add `amount` to the user's total for `day`, or refuse if that passes the daily limit."""
    check_amount(settings, amount)
    limit = settings.transfer_daily_limit
    refusal = _over_the_day(settings)
    if amount > limit:
        raise refusal
    table = table_of(TransferDailyTotal)
    insert = postgres_insert if dialect_name(session) == "postgresql" else sqlite_insert
    upsert = (
        insert(table)
        .values(user_id=user_id, day=day, amount=amount)
        .on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.day],
            set_={"amount": table.c.amount + amount},
            where=table.c.amount + amount <= limit,
        )
        .returning(table.c.amount)
    )
    if (await session.execute(upsert)).first() is None:
        raise refusal


async def check_room(
    session: AsyncSession, settings: Settings, user_id: int, amount: int, now: datetime
) -> None:
    """Refuse now what `count` would refuse, before anything is done for the transfer (an
    auto-charge must not top up money that then cannot be sent). `count` stays the guard."""
    check_amount(settings, amount)
    if await sent_today(session, user_id, now) + amount > settings.transfer_daily_limit:
        raise _over_the_day(settings)


def _over_the_day(settings: Settings) -> TransferLimitExceeded:
    limit = settings.transfer_daily_limit
    return TransferLimitExceeded(f"You may send at most {limit:,} KRW a day.")


async def release(session: AsyncSession, user_id: int, amount: int, day: date) -> None:
    """Take back what `count` added for money that did not go out after all."""
    table = table_of(TransferDailyTotal)
    await session.execute(
        update(table)
        .where(table.c.user_id == user_id, table.c.day == day, table.c.amount >= amount)
        .values(amount=table.c.amount - amount)
    )


async def sent_today(session: AsyncSession, user_id: int, now: datetime) -> int:
    row = await session.get(TransferDailyTotal, (user_id, day_of(now)))
    return row.amount if row is not None else 0
