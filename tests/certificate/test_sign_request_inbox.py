"""A signature request's inbox message links to its page and is read once the user has
answered it (approved or rejected), so the inbox does not keep asking."""

from __future__ import annotations

from sqlalchemy import select

from easypay.db import Database
from easypay.models import Notification
from tests.certificate.test_sign_requests import (
    approve,
    ask,
    fast_argon,
    gw,
    institution,
    signer,
)

__all__ = ["fast_argon", "gw"]


async def messages(database: Database, user_id: int) -> list[tuple[str, bool]]:
    async with database.transaction() as session:
        query = (
            select(Notification.link, Notification.read_at)
            .where(Notification.user_id == user_id, Notification.kind == "certificate.sign_request")
            .order_by(Notification.id)
        )
        return [(link, read is not None) for link, read in (await session.execute(query)).all()]


async def test_answering_a_request_reads_its_message(gw, database):
    key = await institution(gw, database)
    who = await signer(gw, database)
    first, second, third = [await ask(gw, key, who) for _ in range(3)]
    pages = [f"/certificates/requests/{r}" for r in (first, second, third)]
    assert await messages(database, who.user_id) == [(p, False) for p in pages]
    assert (await approve(gw, who, first)).status_code == 200
    rejected = await gw.post(f"/api/v1/sign-requests/{second}/reject", headers=who.headers)
    assert rejected.status_code == 200
    assert await messages(database, who.user_id) == [
        (pages[0], True),
        (pages[1], True),
        (pages[2], False),
    ]
    # A refused approval (wrong certificate PIN) leaves the message unread.
    assert (await approve(gw, who, third, pin="000000")).status_code == 403
    assert (await messages(database, who.user_id))[2] == (pages[2], False)
