"""Card payments end to end against the sandbox card issuer over real HTTP: the checkout's
authorisation, `approve` with card_info, the capture by the worker, cancels refunded to the
card, declines, a lapsed payment's authorisation released, and recurring charges on a card."""

from __future__ import annotations

import pytest

from easypay.payment import tasks
from easypay.payment.errors import CardNotUsable, MethodNotAllowed
from tests.card import builders as cards
from tests.payment import builders as pay
from tests.payment.card_builders import authorise_card, card_id_of, choose_money, run_jobs

CARD_INFO_KEYS = {
    "kakaopay_purchase_corp",
    "kakaopay_purchase_corp_code",
    "kakaopay_issuer_corp",
    "kakaopay_issuer_corp_code",
    "bin",
    "card_type",
    "install_month",
    "approved_id",
    "card_mid",
    "interest_free_install",
    "installment_type",
    "card_item_code",
}
SELECTED_KEYS = {
    "card_bin",
    "install_month",
    "installment_type",
    "card_corp_name",
    "interest_free_install",
}


@pytest.fixture
async def sandbox(live_server, settings):
    admin = cards.Sandbox(live_server.url, settings)
    yield admin
    await admin.aclose()


async def card_buyer(client, database, number: str = cards.GOOD):
    buyer = await pay.buyer(client, database, 10_000)
    card_id = await card_id_of(await cards.register_card(client, buyer, number))
    return buyer, card_id


class TestCardPayment:
    async def test_approve_fills_card_info_and_the_worker_captures(
        self, app, client, database, settings, sandbox
    ):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database)
        started = await pay.ready(client, shop, total_amount=55_000)
        token = await authorise_card(app, database, settings, buyer, started.tid, card_id, 3)
        assert await sandbox.used(cards.GOOD) == 55_000  # held at the issuer
        response = await pay.approve(client, shop, started, token, "json")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["payment_method_type"] == "CARD"
        assert set(body["card_info"]) == CARD_INFO_KEYS
        assert body["card_info"]["bin"] == "949012"
        assert body["card_info"]["install_month"] == "03"
        assert body["card_info"]["approved_id"].isdigit()
        assert await pay.available(client, buyer) == 10_000  # Pay Money untouched
        order = await pay.order(client, shop, started.tid)
        assert set(order["selected_card_info"]) == SELECTED_KEYS
        assert order["selected_card_info"]["install_month"] == 3
        assert await run_jobs(app, database, settings) >= 1  # the capture
        card = await sandbox.card(cards.GOOD)
        assert card["used"] == 55_000

    async def test_cancels_go_back_to_the_card(self, app, client, database, settings, sandbox):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database)
        started = await pay.ready(client, shop, total_amount=20_000)
        token = await authorise_card(app, database, settings, buyer, started.tid, card_id)
        assert (await pay.approve(client, shop, started, token)).status_code == 200
        assert (await pay.cancel(client, shop, started.tid, 5_000)).status_code == 200
        await run_jobs(app, database, settings)
        assert await sandbox.used(cards.GOOD) == 15_000
        assert (await pay.cancel(client, shop, started.tid, 15_000)).status_code == 200
        over = await pay.cancel(client, shop, started.tid, 1)
        assert pay.error_of(over) == -781
        await run_jobs(app, database, settings)
        assert await sandbox.used(cards.GOOD) == 0
        assert await pay.available(client, buyer) == 10_000  # nothing went to the wallet
        order = await pay.order(client, shop, started.tid)
        assert order["status"] == "CANCEL_PAYMENT"
        # a second pass repeats nothing
        await run_jobs(app, database, settings)
        assert await sandbox.used(cards.GOOD) == 0

    async def test_a_cancel_right_after_approve_captures_then_refunds(
        self, app, client, database, settings, sandbox
    ):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database)
        started = await pay.ready(client, shop, total_amount=8_000)
        token = await authorise_card(app, database, settings, buyer, started.tid, card_id)
        await pay.approve(client, shop, started, token)
        await pay.cancel(client, shop, started.tid, 8_000)
        await run_jobs(app, database, settings)  # capture and refund in one pass, any order
        assert await sandbox.used(cards.GOOD) == 0


class TestDeclines:
    async def test_a_declined_card_leaves_the_buyer_free_to_pay_otherwise(
        self, app, client, database, settings, sandbox
    ):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database, cards.DO_NOT_HONOR)
        started = await pay.ready(client, shop, total_amount=3_000)
        with pytest.raises(CardNotUsable, match="05"):
            await authorise_card(app, database, settings, buyer, started.tid, card_id)
        assert (await pay.order(client, shop, started.tid))["status"] == "SELECT_METHOD"
        await choose_money(database, buyer, started.tid)
        token = await pay.authorise(database, settings, buyer, started.tid)
        assert (await pay.approve(client, shop, started, token)).status_code == 200
        assert await pay.available(client, buyer) == 7_000

    async def test_over_the_limit(self, app, client, database, settings, sandbox):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database, cards.LOW_LIMIT)
        started = await pay.ready(client, shop, total_amount=50_000)
        with pytest.raises(CardNotUsable, match="51"):
            await authorise_card(app, database, settings, buyer, started.tid, card_id)
        assert await sandbox.used(cards.LOW_LIMIT) == 0

    async def test_another_users_card_is_not_usable(self, app, client, database, settings):
        shop = await pay.shop(database)
        _, card_id = await card_buyer(client, database)
        stranger = await pay.buyer(client, database)
        started = await pay.ready(client, shop)
        with pytest.raises(CardNotUsable):
            await authorise_card(app, database, settings, stranger, started.tid, card_id)
        assert (await pay.order(client, shop, started.tid))["status"] == "READY"

    async def test_a_money_only_order_refuses_cards(self, app, client, database, settings):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database)
        started = await pay.ready(client, shop, payment_method_type="MONEY")
        with pytest.raises(MethodNotAllowed):
            await authorise_card(app, database, settings, buyer, started.tid, card_id)

    async def test_an_issuer_timeout_is_resolved_by_asking(
        self, app, client, database, settings, sandbox
    ):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database)
        started = await pay.ready(client, shop, total_amount=4_000)
        await sandbox.fault("authorize", "fail_after_success")
        token = await authorise_card(app, database, settings, buyer, started.tid, card_id)
        assert (await pay.approve(client, shop, started, token)).status_code == 200
        assert await sandbox.used(cards.GOOD) == 4_000  # held once


class TestLapsedAuthorisation:
    async def test_an_unapproved_card_payment_releases_the_card(
        self, app, client, database, settings, sandbox, fake_clock
    ):
        shop = await pay.shop(database)
        buyer, card_id = await card_buyer(client, database)
        started = await pay.ready(client, shop, total_amount=12_000)
        await authorise_card(app, database, settings, buyer, started.tid, card_id)
        assert await sandbox.used(cards.GOOD) == 12_000
        fake_clock.advance(minutes=settings.payment_ready_minutes + 1)
        assert await tasks.expire_due(database) == 1
        await run_jobs(app, database, settings)
        assert await sandbox.used(cards.GOOD) == 0


class TestRecurringOnACard:
    async def test_the_sid_charges_the_same_card(self, app, client, database, settings, sandbox):
        shop = await pay.shop(database, cid="TCSUBSCRIP")
        buyer, card_id = await card_buyer(client, database)
        started = await pay.ready(client, shop, total_amount=9_900, partner_user_id="m-1")
        token = await authorise_card(app, database, settings, buyer, started.tid, card_id)
        first = await pay.approve(client, shop, started, token)
        sid = first.json()["sid"]
        params = {
            "cid": shop.cid,
            "sid": sid,
            "partner_order_id": "month-2",
            "partner_user_id": "m-1",
            "item_name": "구독",
            "quantity": 1,
            "total_amount": 9_900,
            "tax_free_amount": 0,
        }
        charged = await pay.call(client, shop, "subscription", params, "json")
        assert charged.status_code == 200, charged.text
        assert charged.json()["payment_method_type"] == "CARD"
        assert charged.json()["card_info"]["bin"] == "949012"
        await run_jobs(app, database, settings)
        assert await sandbox.used(cards.GOOD) == 19_800
        assert await pay.available(client, buyer) == 10_000

    async def test_a_declined_recurring_charge_books_nothing(
        self, app, client, database, settings, sandbox
    ):
        shop = await pay.shop(database, cid="TCSUBSCRIP")
        buyer, card_id = await card_buyer(client, database, cards.LOW_LIMIT)
        started = await pay.ready(client, shop, total_amount=20_000, partner_user_id="m-1")
        token = await authorise_card(app, database, settings, buyer, started.tid, card_id)
        sid = (await pay.approve(client, shop, started, token)).json()["sid"]
        params = {
            "cid": shop.cid,
            "sid": sid,
            "partner_order_id": "month-2",
            "partner_user_id": "m-1",
            "item_name": "구독",
            "quantity": 1,
            "total_amount": 20_000,
            "tax_free_amount": 0,
        }
        refused = await pay.call(client, shop, "subscription", params)
        assert pay.error_of(refused) == -782
        assert await sandbox.used(cards.LOW_LIMIT) == 20_000
