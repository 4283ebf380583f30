"""Enqueue jobs with the change that causes them; claim and finish them in the worker.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL so many workers share the queue; a claimed
job carries a lease, so one whose worker died is picked up again when the lease runs out.
Handlers must be idempotent: reload their object and exit early if the work is done.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import Database
from easypay.kit.clock import clock
from easypay.models import OutboxJob
from easypay.models.base import table_of

log = logging.getLogger("easypay.worker")

# A job's handler takes the database and the job's payload. Handlers that need an outside
# system (the card issuer) or settings (a signing secret) are built by the worker that holds
# them, which passes its table of handlers to `run_job`.
Handler = Callable[[Database, dict[str, Any]], Awaitable[None]]
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 20


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    delay: timedelta = timedelta(0),
    dedupe_key: str | None = None,
) -> OutboxJob:
    now = clock.now()
    job = OutboxJob(
        kind=kind,
        payload=json.dumps(payload),
        dedupe_key=dedupe_key,
        state="pending",
        run_at=now + delay,
        attempts=0,
        last_error="",
        created_at=now,
    )
    session.add(job)
    await session.flush()
    return job


async def claim_due(database: Database, limit: int = 20) -> list[OutboxJob]:
    now = clock.now()
    async with database.transaction() as session:
        statement = (
            select(OutboxJob)
            .where(
                OutboxJob.state == "pending",
                OutboxJob.run_at <= now,
                or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until < now),
            )
            .order_by(OutboxJob.run_at, OutboxJob.id)
            .limit(limit)
        )
        if not database.is_sqlite:
            statement = statement.with_for_update(skip_locked=True)
        jobs = list((await session.execute(statement)).scalars())
        for job in jobs:
            job.locked_until = now + LEASE
            job.attempts += 1
    return jobs


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 6 hours."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


async def run_job(database: Database, job: OutboxJob, handlers: Mapping[str, Handler]) -> bool:
    """Run one claimed job with the handler of its kind; a failure is retried with backoff."""
    function = handlers.get(job.kind)
    table = table_of(OutboxJob)
    try:
        if function is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        await function(database, json.loads(job.payload))
    except Exception as error:  # noqa: BLE001 - a failing job is retried, never crashes the worker
        log.warning("job %s (%s) failed: %s", job.id, job.kind, type(error).__name__)
        dead = job.attempts >= MAX_ATTEMPTS
        values: dict[str, Any] = {
            "last_error": f"{type(error).__name__}: {error}"[:1000],
            "locked_until": None,
            "state": "dead" if dead else "pending",
            "run_at": clock.now() + backoff(job.attempts),
        }
        async with database.transaction() as session:
            await session.execute(update(table).where(table.c.id == job.id).values(**values))
        return False
    async with database.transaction() as session:
        await session.execute(
            update(table).where(table.c.id == job.id).values(state="done", locked_until=None)
        )
    return True
