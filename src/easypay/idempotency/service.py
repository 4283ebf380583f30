"""Idempotent execution of one HTTP call.

1. `begin` claims (scope, endpoint, key) in a short transaction of its own. A known key with a
   different request is refused (409); a finished one is replayed; one still running is refused
   (409, retry later) unless its lease ran out, in which case this call takes over (the handlers
   behind this layer are resumable: they find their own earlier work by the same key).
2. The endpoint runs in the request transaction, and `finish` saves its answer in that same
   transaction, so the change and the saved answer commit together.
3. If the endpoint fails, `abandon` drops the claim so the caller may retry with the same key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import Database
from easypay.idempotency import repository
from easypay.idempotency.errors import IdempotencyInProgress, IdempotencyKeyReused
from easypay.kit.clock import clock

LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class SavedResponse:
    status: int
    body: Any


class Replay(Exception):
    """Raised to answer with the saved response of the first call."""

    def __init__(self, saved: SavedResponse) -> None:
        self.saved = saved


@dataclass
class Claim:
    record_id: int
    database: Database

    async def finish(self, session: AsyncSession, status: int, body: Any) -> None:
        await repository.complete(session, self.record_id, status, json.dumps(body))

    async def abandon(self) -> None:
        async with self.database.transaction() as session:
            await repository.release(session, self.record_id)


async def begin(
    database: Database, scope: str, endpoint: str, key: str, request_hash: str
) -> Claim:
    now = clock.now()
    async with database.transaction() as session:
        record_id = await repository.claim(
            session, scope, endpoint, key, request_hash, now, now + LEASE
        )
        if record_id is not None:
            return Claim(record_id, database)
        record = await repository.find(session, scope, endpoint, key)
        if record is None:  # released between our insert and our read: claim again
            record_id = await repository.claim(
                session, scope, endpoint, key, request_hash, now, now + LEASE
            )
            if record_id is None:
                raise IdempotencyInProgress()
            return Claim(record_id, database)
        if record.request_hash != request_hash:
            raise IdempotencyKeyReused()
        if record.state == "done":
            assert record.response_status is not None
            assert record.response_body is not None
            raise Replay(SavedResponse(record.response_status, json.loads(record.response_body)))
        if await repository.take_over(session, record.id, now, now + LEASE):
            return Claim(record.id, database)
        raise IdempotencyInProgress()
