"""Fixed-window rate limits counted in the database, so they hold across processes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from easypay.db import Database
from easypay.errors import RateLimited
from easypay.kit.clock import clock
from easypay.models import RateLimitCounter
from easypay.models.base import table_of

COUNTERS = table_of(RateLimitCounter)


async def hit(database: Database, key: str, limit: int, window_seconds: int) -> None:
    """Count one attempt for `key`; raise RateLimited once more than `limit` fall in a window.

    Runs in its own transaction so the count survives the caller's rollback.
    """
    window = int(clock.now().timestamp()) // window_seconds
    dialect = postgresql if not database.is_sqlite else sqlite
    insert = dialect.insert(COUNTERS).values(key=key, window_start=window, count=1)
    statement = insert.on_conflict_do_update(
        index_elements=[COUNTERS.c.key, COUNTERS.c.window_start],
        set_={"count": COUNTERS.c.count + 1},
    ).returning(COUNTERS.c.count)
    async with database.transaction() as session:
        count = (await session.execute(statement)).scalar_one()
    if count > limit:
        raise RateLimited()


async def attempts(database: Database, key: str, window_seconds: int) -> int:
    window = int(clock.now().timestamp()) // window_seconds
    async with database.transaction() as session:
        statement = select(RateLimitCounter.count).where(
            RateLimitCounter.key == key, RateLimitCounter.window_start == window
        )
        return (await session.execute(statement)).scalar() or 0
