"""Approving a payment: only with the buyer's pg_token, only once, only as it was readied."""

from __future__ import annotations

import pytest

from tests.payment import builders as pay


class TestApprove:
    async def test_moves_the_held_money_to_the_merchant(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop, total_amount=3000)
        assert await pay.available(client, buyer) == 10_000
        token = await pay.authorise(database, settings, buyer, started.tid)
        assert await pay.available(client, buyer) == 7_000  # held at the PIN
        assert (await pay.order(client, shop, started.tid))["status"] == "AUTH_PASSWORD"
        response = await pay.approve(client, shop, started, token, total_amount=3000)
        assert response.status_code == 200, response.text
        assert await pay.available(client, buyer) == 7_000
        assert (await pay.money_balance(client, buyer)) == 7_000
        order = await pay.order(client, shop, started.tid)
        assert order["status"] == "SUCCESS_PAYMENT"
        assert order["payment_method_type"] == "MONEY"


class TestApproveRefusals:
    async def test_a_wrong_pg_token(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        for wrong in ("0" * 20, token[:-1], token.upper() + "x"):
            response = await pay.approve(client, shop, started, wrong, "json")
            assert response.status_code == 400
            assert pay.error_of(response) == -708
        assert (await pay.order(client, shop, started.tid))["status"] == "AUTH_PASSWORD"
        response = await pay.approve(client, shop, started, token)
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("form", ["query", "json"])
    async def test_before_the_buyer_authorised(self, client, database, form):
        shop = await pay.shop(database)
        started = await pay.ready(client, shop)
        response = await pay.approve(client, shop, started, "0" * 20, form)
        assert response.status_code == 400
        assert pay.error_of(response) == -701
        assert (await pay.order(client, shop, started.tid))["status"] == "READY"

    async def test_twice_moves_the_money_once(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        first = await pay.approve(client, shop, started, token)
        assert first.status_code == 200
        for form in pay.FORMS:
            again = await pay.approve(client, shop, started, token, form)
            assert again.status_code == 400
            assert pay.error_of(again) == -702
        assert await pay.money_balance(client, buyer) == 7_800
        details = (await pay.order(client, shop, started.tid))["payment_action_details"]
        assert [d["payment_action_type"] for d in details] == ["PAYMENT"]

    async def test_after_a_full_cancel_is_still_already_paid(self, client, database, settings):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        assert (await pay.approve(client, shop, started, token)).status_code == 200
        assert (await pay.cancel(client, shop, started.tid, 2200)).status_code == 200
        again = await pay.approve(client, shop, started, token)
        assert pay.error_of(again) == -702
        assert await pay.money_balance(client, buyer) == 10_000

    @pytest.mark.parametrize(
        "overrides",
        [
            {"partner_order_id": "someone-elses-order"},
            {"partner_user_id": "someone-else"},
            {"total_amount": 2199},
            {"total_amount": "2201"},
        ],
    )
    async def test_what_does_not_match_the_ready_call(self, client, database, settings, overrides):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        response = await pay.approve(client, shop, started, token, "json-strings", **overrides)
        assert response.status_code == 400, response.text
        assert pay.error_of(response) == -2
        assert (await pay.order(client, shop, started.tid))["status"] == "AUTH_PASSWORD"
        assert await pay.available(client, buyer) == 7_800
        assert await pay.money_balance(client, buyer) == 10_000
        response = await pay.approve(client, shop, started, token, total_amount="2200")
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        "missing", ["cid", "tid", "partner_order_id", "partner_user_id", "pg_token"]
    )
    async def test_a_missing_parameter(self, client, database, settings, missing):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        response = await pay.approve(client, shop, started, token, **{missing: None})
        assert response.status_code == 400
        assert pay.error_of(response) == -2

    async def test_after_expiry(self, client, database, settings, fake_clock):
        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        fake_clock.advance(minutes=settings.payment_ready_minutes, seconds=1)
        response = await pay.approve(client, shop, started, token)
        assert response.status_code == 400
        assert pay.error_of(response) == -723
        assert await pay.money_balance(client, buyer) == 10_000

    async def test_after_expiry_and_the_worker_is_still_expired(
        self, client, database, settings, fake_clock
    ):
        from easypay.payment import tasks

        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        token = await pay.authorise(database, settings, buyer, started.tid)
        fake_clock.advance(minutes=settings.payment_ready_minutes + 1)
        assert await tasks.expire_due(database) == 1
        response = await pay.approve(client, shop, started, token)
        assert response.status_code == 400
        assert pay.error_of(response) == -723
        assert await pay.available(client, buyer) == 10_000

    async def test_the_buyer_cannot_authorise_an_expired_payment(
        self, client, database, settings, fake_clock
    ):
        from easypay.payment.errors import PaymentExpired

        shop = await pay.shop(database)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.ready(client, shop)
        fake_clock.advance(minutes=settings.payment_ready_minutes)
        with pytest.raises(PaymentExpired):
            await pay.authorise(database, settings, buyer, started.tid)
        assert await pay.available(client, buyer) == 10_000
