"""Issue 6 (fault runs): a POS payment sent twice at the same moment — the terminal's retry
racing its first attempt — gets the first answer both times, never "code already used"."""

from __future__ import annotations

from easypay.payment import pos_repository
from tests.payment import builders as pay
from tests.payment import pos_builders as pos


class TestTwinRequests:
    async def test_a_twin_that_commits_between_our_two_reads_is_replayed(
        self, client, database, monkeypatch
    ):
        """The twin committed after this call looked for the pos_request_id but before it read
        the code: the code is used — by this very request — so the answer is its payment."""
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        first = await pos.charge(client, shop, digits, 4500, "pos-twin-1")
        assert first.status_code == 201, first.text

        real = pos_repository.pos_payment
        calls = 0

        async def not_yet_committed(*args, **kwargs):  # the twin's row, not visible at first
            nonlocal calls
            calls += 1
            return None if calls == 1 else await real(*args, **kwargs)

        monkeypatch.setattr(pos_repository, "pos_payment", not_yet_committed)
        second = await pos.charge(client, shop, digits, 4500, "pos-twin-1")
        monkeypatch.setattr(pos_repository, "pos_payment", real)

        assert second.status_code == 201, second.text
        assert second.json()["tid"] == first.json()["tid"]
        assert await pay.available(client, buyer) == 20_000 - 4500  # paid once

    async def test_another_request_id_with_a_used_code_is_still_refused(
        self, client, database, monkeypatch
    ):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 20_000)
        digits = await pos.code_for(database, buyer)
        assert (await pos.charge(client, shop, digits, 4500, "pos-twin-2")).status_code == 201
        again = await pos.charge(client, shop, digits, 4500, "pos-twin-3")
        assert again.status_code == 409, again.text
        assert again.json()["error"] == "PaymentCodeUsed"
        assert await pay.available(client, buyer) == 20_000 - 4500
