"""In-store payments with a card: the code carries the card the buyer chose; the POS charge is
authorised by the sandbox issuer over real HTTP, captured by the worker, refunded to the card on
cancel; racing terminals never hold the card twice."""

from __future__ import annotations

import asyncio

import pytest

from easypay.models import User
from easypay.payment import codes
from tests.card import builders as cards
from tests.payment import builders as pay
from tests.payment import pos_builders as pos
from tests.payment.card_builders import card_id_of, run_jobs


@pytest.fixture
async def sandbox(live_server, settings):
    admin = cards.Sandbox(live_server.url, settings)
    yield admin
    await admin.aclose()


async def card_code(client, database, number: str = cards.GOOD):
    """A buyer with 10,000 of Pay Money, a registered card, and a code for that card."""
    buyer = await pay.buyer(client, database, 10_000)
    card_id = await card_id_of(await cards.register_card(client, buyer, number))
    async with database.transaction() as session:
        user = await session.get(User, buyer.user_id)
        assert user is not None
        issued = await codes.issue(session, user, "CARD", card_id)
    return buyer, issued.digits


class TestCardCode:
    async def test_charges_the_card_not_the_wallet(self, app, client, database, settings, sandbox):
        shop = await pay.shop(database)
        buyer, digits = await card_code(client, database)
        response = await pos.charge(client, shop, digits, amount=35_000)
        assert response.status_code == 201, response.text
        assert response.json()["payment_method_type"] == "CARD"
        assert await sandbox.used(cards.GOOD) == 35_000
        assert await pay.available(client, buyer) == 10_000
        again = await pos.charge(client, shop, digits, amount=35_000)
        assert again.status_code == 409  # single use
        assert await run_jobs(app, database, settings) >= 1  # the capture
        order = await pay.order(client, shop, response.json()["tid"])
        assert order["selected_card_info"]["card_bin"] == "949012"

    async def test_a_cancel_goes_back_to_the_card(self, app, client, database, settings, sandbox):
        shop = await pay.shop(database)
        buyer, digits = await card_code(client, database)
        request = pos.request_id()
        assert (await pos.charge(client, shop, digits, 20_000, request)).status_code == 201
        canceled = await pos.cancel(client, shop, request, amount=5_000)
        assert canceled.status_code == 200, canceled.text
        await run_jobs(app, database, settings)
        assert await sandbox.used(cards.GOOD) == 15_000
        assert await pay.available(client, buyer) == 10_000

    async def test_a_declined_card_leaves_the_code_unused(self, client, database, sandbox):
        shop = await pay.shop(database)
        _, digits = await card_code(client, database, cards.DO_NOT_HONOR)
        response = await pos.charge(client, shop, digits)
        assert response.status_code == 402, response.text
        assert "05" in response.json()["detail"]
        assert await pos.pos_payments(database) == 0

    async def test_an_answer_lost_after_the_issuer_approved(self, client, database, sandbox):
        shop = await pay.shop(database)
        _, digits = await card_code(client, database)
        await sandbox.fault("authorize", "fail_after_success")
        response = await pos.charge(client, shop, digits, amount=7_000)
        assert response.status_code == 201, response.text
        assert await sandbox.used(cards.GOOD) == 7_000  # held once


class TestRacingTerminals:
    async def test_one_code_on_four_terminals_holds_the_card_once(self, client, database, sandbox):
        shop = await pay.shop(database)
        _, digits = await card_code(client, database)
        answers = await asyncio.gather(
            *(pos.charge(client, shop, digits, amount=9_000) for _ in range(4))
        )
        assert sorted(a.status_code for a in answers).count(201) == 1, [a.text for a in answers]
        assert await pos.pos_payments(database) == 1
        assert await sandbox.used(cards.GOOD) == 9_000

    async def test_a_losing_amount_is_released(self, client, database, sandbox):
        shop = await pay.shop(database)
        _, digits = await card_code(client, database)
        answers = await asyncio.gather(
            pos.charge(client, shop, digits, amount=9_000),
            pos.charge(client, shop, digits, amount=4_000),
        )
        won = [a for a in answers if a.status_code == 201]
        assert len(won) == 1, [a.text for a in answers]
        assert await sandbox.used(cards.GOOD) == won[0].json()["amount"]["total"]
