"""Queries of the idempotency records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import dialect_name
from easypay.models import IdempotencyRecord
from easypay.models.base import table_of

RECORDS = table_of(IdempotencyRecord)


async def claim(
    session: AsyncSession,
    scope: str,
    endpoint: str,
    key: str,
    request_hash: str,
    now: datetime,
    locked_until: datetime,
) -> int | None:
    """Insert an in-progress record; None when the key is already known."""
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    statement = (
        dialect.insert(RECORDS)
        .values(
            scope=scope,
            endpoint=endpoint,
            key=key,
            request_hash=request_hash,
            state="in_progress",
            locked_until=locked_until,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(RECORDS.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def find(
    session: AsyncSession, scope: str, endpoint: str, key: str
) -> IdempotencyRecord | None:
    statement = select(IdempotencyRecord).where(
        IdempotencyRecord.scope == scope,
        IdempotencyRecord.endpoint == endpoint,
        IdempotencyRecord.key == key,
    )
    return (await session.execute(statement.execution_options(populate_existing=True))).scalar()


async def take_over(
    session: AsyncSession, record_id: int, now: datetime, locked_until: datetime
) -> bool:
    """Take an abandoned in-progress record (its lease ran out: the first caller crashed)."""
    statement = (
        update(RECORDS)
        .where(
            RECORDS.c.id == record_id,
            RECORDS.c.state == "in_progress",
            RECORDS.c.locked_until < now,
        )
        .values(locked_until=locked_until)
        .returning(RECORDS.c.id)
    )
    return (await session.execute(statement)).first() is not None


async def complete(session: AsyncSession, record_id: int, status: int, body: str) -> None:
    statement = (
        update(RECORDS)
        .where(RECORDS.c.id == record_id)
        .values(state="done", response_status=status, response_body=body)
    )
    await session.execute(statement)


async def release(session: AsyncSession, record_id: int) -> None:
    await session.execute(
        delete(RECORDS).where(RECORDS.c.id == record_id, RECORDS.c.state == "in_progress")
    )
