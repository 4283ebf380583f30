"""Canceling POS payments: partial, full, never more than was paid, idempotent per
cancel_request_id, and only one's own."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.payment import builders as pay
from tests.payment import pos_builders as pos
from tests.transfer import builders as transfer


async def _paid(client, database, amount: int = 5000, **extra: Any):
    shop = await pay.shop(database)
    buyer = await pay.buyer(client, database, 20_000)
    digits = await pos.code_for(database, buyer)
    response = await pos.charge(client, shop, digits, amount, "pos-c", **extra)
    assert response.status_code == 201, response.text
    return shop, buyer


class TestCancel:
    async def test_partial_then_the_rest(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        part = await pos.cancel(client, shop, "pos-c", 2000)
        assert part.status_code == 200, part.text
        body = part.json()
        assert body["status"] == "PART_CANCEL_PAYMENT"
        assert body["cancel"]["kind"] == "CANCEL"
        assert body["cancel"]["amount"] == 2000
        assert body["canceled_amount"]["total"] == 2000
        assert body["cancel_available_amount"] == 3000
        assert body["canceled_at"]
        assert await pay.available(client, buyer) == 20_000 - 3000
        rest = await pos.cancel(client, shop, "pos-c")  # no amount: all that remains
        assert rest.status_code == 200, rest.text
        body = rest.json()
        assert body["status"] == "CANCEL_PAYMENT"
        assert body["cancel"]["amount"] == 3000
        assert body["canceled_amount"] == body["amount"]
        assert body["cancel_available_amount"] == 0
        assert [a["kind"] for a in body["actions"]] == ["PAYMENT", "CANCEL", "CANCEL"]
        assert await pay.available(client, buyer) == 20_000
        read = (await pos.read(client, shop, "pos-c")).json()
        assert read["status"] == "CANCEL_PAYMENT"

    async def test_full_cancel_and_the_receipt(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        response = await pos.cancel(client, shop, "pos-c", 5000)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "CANCEL_PAYMENT"
        newest = (await transfer.inbox(client, buyer))[0]
        assert newest["kind"] == "payment.canceled"
        assert "5,000" in newest["title"]
        assert await pay.available(client, buyer) == 20_000

    async def test_tax_free_parts_add_up(self, client, database):
        shop, _ = await _paid(client, database, 5000, tax_free_amount=1000)
        first = (await pos.cancel(client, shop, "pos-c", 2500)).json()
        assert first["canceled_amount"]["tax_free"] == 500
        last = (await pos.cancel(client, shop, "pos-c")).json()
        assert last["canceled_amount"] == last["amount"]

    async def test_over_cancel_is_refused_and_changes_nothing(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        assert (await pos.cancel(client, shop, "pos-c", 4000)).status_code == 200
        over = await pos.cancel(client, shop, "pos-c", 1001)
        assert over.status_code == 409, over.text
        assert pos.error(over) == "CancelRefused"
        assert (await pos.cancel(client, shop, "pos-c")).status_code == 200
        again = await pos.cancel(client, shop, "pos-c")
        assert again.status_code == 409, again.text
        assert pos.error(again) == "CancelRefused"
        assert await pay.available(client, buyer) == 20_000

    @pytest.mark.parametrize("amount", [0, -1, 1.5, "100", 10**13, True])
    async def test_amounts_no_cancel_may_have(self, client, database, amount: Any):
        shop, buyer = await _paid(client, database, 5000)
        response = await client.post(
            "/api/v1/pos/payments/pos-c/cancel",
            json={"cancel_request_id": "c-1", "amount": amount},
            headers=shop.current,
        )
        assert response.status_code == 422, response.text
        assert await pay.available(client, buyer) == 15_000
        # The refused request did not use up its cancel_request_id.
        assert (await pos.cancel(client, shop, "pos-c", 100, "c-1")).status_code == 200

    async def test_a_cancel_request_id_is_required(self, client, database):
        shop, _ = await _paid(client, database, 5000)
        for body in ({}, {"amount": 100}, {"cancel_request_id": ""}, {"cancel_request_id": "a b"}):
            response = await client.post(
                "/api/v1/pos/payments/pos-c/cancel", json=body, headers=shop.current
            )
            assert response.status_code == 422, response.text

    async def test_too_much_tax_free(self, client, database):
        shop, buyer = await _paid(client, database, 5000, tax_free_amount=1000)
        response = await pos.cancel(client, shop, "pos-c", 2000, tax_free_amount=1001)
        assert response.status_code == 409, response.text
        assert await pay.available(client, buyer) == 15_000


class TestCancelRequestId:
    async def test_a_retry_gets_the_same_answer_and_refunds_once(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        first = await pos.cancel(client, shop, "pos-c", 1000, "c-same")
        again = await pos.cancel(client, shop, "pos-c", 1000, "c-same")
        assert first.status_code == again.status_code == 200, again.text
        assert first.json() == again.json()
        assert await pay.available(client, buyer) == 15_000 + 1000

    async def test_the_same_id_for_a_different_cancel_is_a_conflict(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        assert (await pos.cancel(client, shop, "pos-c", 1000, "c-same")).status_code == 200
        other = await pos.cancel(client, shop, "pos-c", 2000, "c-same")
        assert other.status_code == 409, other.text
        assert pos.error(other) == "IdempotencyKeyReused"
        assert await pay.available(client, buyer) == 16_000

    async def test_a_refused_cancel_can_be_retried_with_its_id(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        assert (await pos.cancel(client, shop, "pos-c", 6000, "c-x")).status_code == 409
        assert (await pos.cancel(client, shop, "pos-c", 6000, "c-x")).status_code == 409
        assert await pay.available(client, buyer) == 15_000

    async def test_the_same_id_at_once_refunds_once(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        responses = await asyncio.gather(
            *(pos.cancel(client, shop, "pos-c", 1000, "c-race") for _ in range(4))
        )
        statuses = [r.status_code for r in responses]
        assert statuses.count(200) >= 1, statuses
        assert set(statuses) <= {200, 409}, statuses
        for response in responses:
            if response.status_code == 409:
                assert pos.error(response) == "IdempotencyInProgress"
        assert await pay.available(client, buyer) == 16_000
        read = (await pos.read(client, shop, "pos-c")).json()
        assert read["canceled_amount"]["total"] == 1000

    async def test_different_ids_at_once_never_exceed(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        responses = await asyncio.gather(
            *(pos.cancel(client, shop, "pos-c", 2000, f"c-{n}") for n in range(4))
        )
        assert sorted(r.status_code for r in responses) == [200, 200, 409, 409]
        assert await pay.available(client, buyer) == 19_000


class TestOwnership:
    async def test_another_merchants_payment_is_not_found(self, client, database):
        shop, buyer = await _paid(client, database, 5000)
        other_shop = await pay.shop(database, cid="TC0OTHER01", name="다른가게")
        for request_id in ("pos-c", "pos-unknown"):
            response = await pos.cancel(client, other_shop, request_id, 1000)
            assert response.status_code == 404, response.text
            assert pos.error(response) == "PosPaymentNotFound"
        assert await pay.available(client, buyer) == 15_000
        assert (await pos.read(client, shop, "pos-c")).json()["status"] == "SUCCESS_PAYMENT"
