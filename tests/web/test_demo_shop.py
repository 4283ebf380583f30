"""/demo-shop: a shop paying through the real merchant API over HTTP (ready → checkout →
approve), with the demo merchant's published key."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx

from easypay.demo import load_demo
from easypay.identity import repository as identity_repository
from easypay.payment import service
from tests.web.helpers import csrf_of


async def _order(client: httpx.AsyncClient, item: str) -> httpx.Response:
    page = await client.get("/demo-shop")
    assert page.status_code == 200
    return await client.post(
        "/demo-shop/order", data={"csrf_token": csrf_of(page.text), "item": item}
    )


class TestDemoShop:
    async def test_an_order_is_paid_through_the_api(self, client, database, settings):
        await load_demo(settings)
        ordered = await _order(client, "chocopie")
        assert ordered.status_code == 303, ordered.text
        checkout = urlparse(ordered.headers["location"])
        assert checkout.path.startswith("/checkout/T")
        tid = checkout.path.rsplit("/", 1)[1]
        async with database.transaction() as session:  # the buyer pays at the checkout
            buyer = await identity_repository.user_by_phone(session, "+821023456789")
            assert buyer is not None
            await service.select_method(session, buyer, tid, "MONEY")
            _, token = await service.authorize(session, settings, buyer, tid)
        done = await client.get(f"/demo-shop/approved?pg_token={token}")
        assert done.status_code == 200, done.text
        assert 'data-testid="shop-status">SUCCESS_PAYMENT<' in done.text
        assert "2,200원" in done.text

    async def test_a_wrong_token_is_refused_by_the_api(self, client, settings):
        await load_demo(settings)
        await _order(client, "coffee")
        done = await client.get("/demo-shop/approved?pg_token=nope")
        assert done.status_code == 400
        assert "-70" in done.text  # -701: the buyer has not finished

    async def test_without_an_order_or_item(self, client, settings):
        assert (await client.get("/demo-shop/approved?pg_token=x")).status_code == 400
        assert (await _order(client, "caviar")).status_code == 422
        quit_page = await client.get("/demo-shop?result=cancel")
        assert "You quit the payment" in quit_page.text
