"""Background work of transfers: return what nobody received in time, send the reminders.

Each item is its own transaction and each step is a conditional update, so a worker that runs
late, twice, or next to another worker does each thing once."""

from __future__ import annotations

from easypay.db import Database
from easypay.kit.clock import clock
from easypay.transfer import repository

# `bank` is imported for what its import does: it tells Pay Money how to finish a bank
# transfer that the worker's reconciliation settles.
from easypay.transfer.service import bank, person, requests  # noqa: F401

BATCH = 200


async def run_due(database: Database) -> int:
    done = 0
    async with database.transaction() as session:
        now = clock.now()
        returning = await repository.due_to_return(session, now, BATCH)
        reminding = await repository.due_for_reminder(session, now, BATCH)
        requests_due = await repository.requests_due_for_reminder(session, now, BATCH)
    for transfer_id in returning:
        async with database.transaction() as session:
            done += await person.return_expired(session, transfer_id)
    for transfer_id in reminding:
        async with database.transaction() as session:
            done += await person.remind(session, transfer_id)
    for request_id in requests_due:
        async with database.transaction() as session:
            done += await requests.remind(session, request_id)
    return done
