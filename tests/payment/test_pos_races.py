"""POS charges that race: one code scanned by several terminals at once, one request sent
twice at once. Each request has its own database session; money moves exactly once."""

from __future__ import annotations

import asyncio

from tests.payment import builders as pay
from tests.payment import pos_builders as pos

ROUNDS = 3


class TestOneCodeAtOnce:
    async def test_different_request_ids_one_charge(self, client, database):
        shop = await pay.shop(database)
        other_shop = await pay.shop(database, cid="TC0OTHER01", name="다른가게")
        buyer = await pay.buyer(client, database, 50_000)
        for round_ in range(ROUNDS):
            digits = await pos.code_for(database, buyer)
            responses = await asyncio.gather(
                *(pos.charge(client, shop if n % 2 else other_shop, digits, 4500) for n in range(4))
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [201, 409, 409, 409], [r.text for r in responses]
            for response in responses:
                if response.status_code == 409:
                    assert pos.error(response) == "PaymentCodeUsed"
            assert await pos.pos_payments(database) == round_ + 1
            assert await pay.available(client, buyer) == 50_000 - 4500 * (round_ + 1)

    async def test_the_same_request_id_one_charge_same_answer(self, client, database):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 50_000)
        for round_ in range(ROUNDS):
            digits = await pos.code_for(database, buyer)
            request_id = pos.request_id()
            responses = await asyncio.gather(
                *(pos.charge(client, shop, digits, 4500, request_id) for _ in range(4))
            )
            assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
            assert len({r.json()["tid"] for r in responses}) == 1
            assert await pos.pos_payments(database) == round_ + 1
            assert await pay.available(client, buyer) == 50_000 - 4500 * (round_ + 1)

    async def test_the_same_request_id_with_two_codes_one_charge(self, client, database):
        shop = await pay.shop(database)
        first = await pay.buyer(client, database, 20_000)
        second = await pay.buyer(client, database, 20_000)
        for round_ in range(ROUNDS):
            request_id = pos.request_id()
            codes = [await pos.code_for(database, first), await pos.code_for(database, second)]
            responses = await asyncio.gather(
                *(pos.charge(client, shop, code, 1000, request_id) for code in codes)
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [201, 409], [r.text for r in responses]
            loser = next(r for r in responses if r.status_code == 409)
            assert pos.error(loser) == "PosRequestIdReused"
            assert await pos.pos_payments(database) == round_ + 1
        spent = (20_000 - await pay.available(client, first)) + (
            20_000 - await pay.available(client, second)
        )
        assert spent == 1000 * ROUNDS

    async def test_short_wallet_at_once_one_bank_charge(self, client, database):
        from tests.money import builders as money

        shop = await pay.shop(database)
        buyer = await money.person(client, database)  # no Pay Money: every try auto-charges
        bank_before = await money.bank_balance(database, buyer)
        digits = await pos.code_for(database, buyer)
        responses = await asyncio.gather(
            *(pos.charge(client, shop, digits, 4500) for _ in range(3))
        )
        assert sorted(r.status_code for r in responses) == [201, 409, 409]
        assert await money.bank_balance(database, buyer) == bank_before - 10_000
        assert await pay.available(client, buyer) == 10_000 - 4500
