"""Issue 6 (the Jepsen-shaped bank test): transfers crossing at the same moment must never
deadlock into a 500 — two people receiving from each other, a person sending while cancelling
an earlier transfer. Every call gets a real answer and the money ends where the answers say."""

from __future__ import annotations

import asyncio

from tests.money import builders as money
from tests.transfer import builders

ROUNDS = 12


class TestCrossingTransfers:
    async def test_two_people_receive_from_each_other_at_once(self, client, database):
        kim = await builders.funded(client, await money.person(client, database), 100_000)
        park = await builders.funded(
            client, await money.person(client, database, name="박서연"), 100_000
        )
        to_park = [await builders.sent(client, kim, 1_000, park) for _ in range(ROUNDS)]
        to_kim = [await builders.sent(client, park, 2_000, kim) for _ in range(ROUNDS)]
        answers = await asyncio.gather(
            *(builders.act(client, park, t, "receive") for t in to_park),
            *(builders.act(client, kim, t, "receive") for t in to_kim),
        )
        assert [a.status_code for a in answers] == [200] * (2 * ROUNDS), [
            a.text for a in answers if a.status_code != 200
        ]
        assert await builders.available(client, kim) == 100_000 + ROUNDS * 1_000
        assert await builders.available(client, park) == 100_000 - ROUNDS * 1_000

    async def test_sending_while_cancelling_earlier_transfers(self, client, database):
        kim = await builders.funded(client, await money.person(client, database), 100_000)
        park = await money.person(client, database, name="박서연")
        earlier = [await builders.sent(client, kim, 1_000, park) for _ in range(ROUNDS)]
        answers = await asyncio.gather(
            *(builders.act(client, kim, t, "cancel") for t in earlier),
            *(builders.send(client, kim, 500, to=park) for _ in range(ROUNDS)),
        )
        assert [a.status_code for a in answers[:ROUNDS]] == [200] * ROUNDS
        assert [a.status_code for a in answers[ROUNDS:]] == [201] * ROUNDS, [
            a.text for a in answers if a.status_code >= 300
        ]
        assert await builders.available(client, kim) == 100_000 - ROUNDS * 500
