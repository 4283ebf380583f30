"""Background work of payments: payments nobody approved in time expire (a held amount returns)."""

from __future__ import annotations

from easypay.db import Database
from easypay.kit.clock import clock
from easypay.payment import repository, service

BATCH = 200


async def expire_due(database: Database) -> int:
    async with database.transaction() as session:
        due = await repository.due_to_expire(session, clock.now(), service.PENDING, BATCH)
    expired = 0
    for payment_id in due:
        async with database.transaction() as session:
            expired += await service.expire(session, payment_id)
    return expired
