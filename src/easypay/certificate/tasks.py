"""The certificate service's periodic task: forget used and expired sign-in challenges.

A challenge lives 2 minutes; its row is kept a day (a late answer still meets "expired", not
"unknown"), then deleted. Decoy PIN failures (signin.py: the count that locks a phone without a
usable certificate, so such a phone answers like a real one) are kept 30 days. At most `BATCH`
rows per call, so a worker pass stays short; the worker calls it every `EVERY`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, or_, select

from easypay.db import Database
from easypay.kit.clock import clock
from easypay.models.certificate import CertificateChallenge

EVERY = timedelta(minutes=10)
KEEP = timedelta(days=1)
KEEP_DECOY_FAILURES = timedelta(days=30)
BATCH = 5_000


async def purge_challenges(database: Database) -> int:
    """Delete up to `BATCH` challenges past keeping; returns how many."""
    now = clock.now()
    old = or_(
        and_(
            CertificateChallenge.outcome != "decoy_pin",
            CertificateChallenge.expires_at < now - KEEP,
        ),
        CertificateChallenge.expires_at < now - KEEP_DECOY_FAILURES,
    )
    async with database.transaction() as session:
        ids = select(CertificateChallenge.id).where(old).limit(BATCH).scalar_subquery()
        result = await session.execute(
            delete(CertificateChallenge).where(CertificateChallenge.id.in_(ids))
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
