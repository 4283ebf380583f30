"""The worker forgets sign-in challenges a day after they expire, and decoy PIN failures (the
lock count of a phone without a usable certificate) only after 30 days."""

from __future__ import annotations

from sqlalchemy import select

from easypay.certificate import tasks
from easypay.certificate.signin import CHALLENGE_TTL
from easypay.db import Database
from easypay.models.certificate import CertificateChallenge
from tests.certificate.lifecycle_support import api, fast_argon, issue, someone
from tests.certificate.test_certificate_signin import answer, challenge, with_pin

__all__ = ["api", "fast_argon"]


async def outcomes(database: Database) -> list[str]:
    async with database.transaction() as session:
        query = select(CertificateChallenge.outcome).order_by(CertificateChallenge.id)
        return list((await session.execute(query)).scalars())


async def test_challenges_are_purged_after_a_day_decoy_failures_after_30_days(
    api, database, fake_clock
):
    holder = await someone(api, database, "김하나")
    await issue(api, holder)
    assert (await with_pin(api, holder)).status_code == 201  # signed_in
    await challenge(api, holder.phone)  # never answered
    stranger = await someone(api, database, "이둘")  # no certificate: answered by a decoy
    issued = await challenge(api, stranger.phone)
    assert (await answer(api, issued, pin="111111")).status_code == 403  # wrong PIN
    assert sorted(await outcomes(database)) == ["", "decoy_pin", "signed_in"]

    fake_clock.advance(seconds=CHALLENGE_TTL.total_seconds())
    assert await tasks.purge_challenges(database) == 0  # expired, kept a day
    fake_clock.advance(days=1, seconds=1)
    assert await tasks.purge_challenges(database) == 2
    assert await outcomes(database) == ["decoy_pin"]
    fake_clock.advance(days=29)
    assert await tasks.purge_challenges(database) == 1
    assert await outcomes(database) == []
