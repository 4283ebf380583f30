"""Small builders for the stored transparency log's tests."""

from __future__ import annotations

import hashlib

from easypay.certificate.tlog import store
from easypay.db import Database
from easypay.kit.clock import clock


def event(number: int, kind: str = "issued") -> bytes:
    """Canonical leaf bytes of a made-up certificate event (no personal data)."""
    reference = hashlib.sha256(f"subject-{number}".encode()).hexdigest()
    return store.encode_leaf(kind, f"{number + 1:032x}", reference, clock.now())


async def append_each(database: Database, first: int, count: int) -> list[bytes]:
    """Append `count` events, each in its own transaction; returns their data in index order."""
    written = []
    for number in range(first, first + count):
        data = event(number)
        async with database.transaction() as session:
            index = await store.append(session, data)
        assert index == number
        written.append(data)
    return written
