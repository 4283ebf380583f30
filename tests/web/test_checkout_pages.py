"""The hosted checkout through the pages: a shop's `ready`, the buyer pays with the PIN (or
quits), and the shop approves with the pg_token the browser brought back."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from easypay.config import Settings
from easypay.scripting import create_merchant
from tests.web.helpers import PIN, balance_of, csrf_of, post_form

CID = "TC0ONETIME"
SHOP = "http://shop.test"


@pytest.fixture
async def shop(settings: Settings) -> dict[str, Any]:
    created: dict[str, Any] = await create_merchant(settings, "초코상점", [CID], 250)
    return created


def admin(shop: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"KakaoAK {shop['admin_key']}"}


async def ready(
    client: httpx.AsyncClient,
    shop: dict[str, Any],
    total: int = 2200,
    approval_url: str = f"{SHOP}/ok?order=o-1",
) -> str:
    """A ready call; the checkout page's path."""
    response = await client.post(
        "/v1/payment/ready",
        data={
            "cid": CID,
            "partner_order_id": "o-1",
            "partner_user_id": "u-1",
            "item_name": "초코파이",
            "quantity": "2",
            "total_amount": str(total),
            "tax_free_amount": "0",
            "approval_url": approval_url,
            "cancel_url": f"{SHOP}/cancel",
            "fail_url": f"{SHOP}/fail",
        },
        headers=admin(shop),
    )
    assert response.status_code == 200, response.text
    url = urlsplit(response.json()["next_redirect_mobile_url"])
    return f"{url.path}?{url.query}"


def tid_of(path: str) -> str:
    return path.split("/")[2].split("?")[0]


async def status_of(client: httpx.AsyncClient, shop: dict[str, Any], tid: str) -> str:
    order = await client.post(
        "/v1/payment/order", data={"cid": CID, "tid": tid}, headers=admin(shop)
    )
    assert order.status_code == 200, order.text
    status: str = order.json()["status"]
    return status


async def pay(client: httpx.AsyncClient, path: str, pin: str = PIN) -> httpx.Response:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(
        f"/checkout/{tid_of(path)}/pay", data={"csrf_token": csrf_of(page.text), "pin": pin}
    )


class TestCheckoutPage:
    async def test_shows_the_order_and_the_balance(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop)
        page = await sender.get(path)
        assert page.status_code == 200
        assert "초코상점" in page.text
        assert "초코파이" in page.text
        assert "2,200원" in page.text
        assert re.search(r'data-testid="checkout-balance">100,000원<', page.text)
        assert re.search(r'data-testid="quantity">2<', page.text)
        assert 'name="pin"' in page.text
        assert 'data-testid="checkout-quit"' in page.text
        assert 'data-testid="auto-charge-note"' not in page.text
        # Its forms end on the shop's pages (Chrome applies form-action to redirects too).
        assert f"form-action 'self' {SHOP};" in page.headers["content-security-policy"]
        assert await status_of(sender, shop, tid_of(path)) == "OPEN_PAYMENT"

    async def test_a_short_balance_will_be_auto_charged(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        page = await sender.get(await ready(sender, shop, total=130_000))
        assert 'data-testid="auto-charge-note"' in page.text
        assert "30,000원" in page.text

    async def test_english(self, sender: httpx.AsyncClient, shop: dict[str, Any]) -> None:
        path = await ready(sender, shop)
        sender.cookies.set("lang", "en")
        page = await sender.get(path)
        assert "Checkout" in page.text
        assert "Pay 2,200원" in page.text

    async def test_an_unknown_payment_is_not_found(self, sender: httpx.AsyncClient) -> None:
        page = await sender.get("/checkout/T0000000000000000000")
        assert page.status_code == 404
        assert "결제 정보를 찾을 수 없습니다" in page.text

    async def test_a_signed_out_visitor_signs_in_first(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(client, shop)
        response = await other_client.get(path)
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.startswith("/signin?next=")
        assert parse_qs(urlsplit(location).query)["next"] == [path]


class TestPay:
    async def test_pay_and_the_shop_approves(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop)
        tid = tid_of(path)
        response = await pay(sender, path)
        assert response.status_code == 303, response.text
        location = urlsplit(response.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{SHOP}/ok"
        query = parse_qs(location.query)
        assert query["order"] == ["o-1"]
        [token] = query["pg_token"]
        assert await status_of(sender, shop, tid) == "AUTH_PASSWORD"
        approve = await sender.post(
            "/v1/payment/approve",
            data={
                "cid": CID,
                "tid": tid,
                "partner_order_id": "o-1",
                "partner_user_id": "u-1",
                "pg_token": token,
            },
            headers=admin(shop),
        )
        assert approve.status_code == 200, approve.text
        assert await status_of(sender, shop, tid) == "SUCCESS_PAYMENT"
        assert await balance_of(sender) == "97,800원"
        again = await sender.get(path)
        assert 'data-state="paid"' in again.text

    async def test_pg_token_starts_the_query_when_there_is_none(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop, approval_url=f"{SHOP}/ok")
        response = await pay(sender, path)
        assert re.fullmatch(rf"{SHOP}/ok\?pg_token=\w+", response.headers["location"])

    async def test_auto_charges_the_shortfall(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop, total=105_000)
        response = await pay(sender, path)
        assert response.status_code == 303, response.text
        assert "pg_token=" in response.headers["location"]
        assert await status_of(sender, shop, tid_of(path)) == "AUTH_PASSWORD"

    async def test_a_wrong_pin_shows_the_tries_left(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop)
        response = await pay(sender, path, pin="000000")
        assert response.status_code == 403, response.text
        assert "결제 비밀번호가 틀렸습니다" in response.text
        assert "번 더 틀리면" in response.text
        # The method was chosen; the buyer may try again.
        assert await status_of(sender, shop, tid_of(path)) == "SELECT_METHOD"
        assert await balance_of(sender) == "100,000원"
        assert (await pay(sender, path)).status_code == 303

    async def test_a_locked_pin_fails_the_payment_to_fail_url(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop)
        for _ in range(4):
            assert (await pay(sender, path, pin="000000")).status_code == 403
        response = await pay(sender, path, pin="000000")
        assert response.status_code == 303
        assert response.headers["location"] == f"{SHOP}/fail"
        assert await status_of(sender, shop, tid_of(path)) == "FAIL_AUTH_PASSWORD"
        assert await balance_of(sender) == "100,000원"

    async def test_a_method_the_shop_does_not_accept_is_refused(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop)
        page = await sender.get(path)
        response = await sender.post(
            f"/checkout/{tid_of(path)}/pay",
            data={"csrf_token": csrf_of(page.text), "pin": PIN, "method": "card:999999"},
        )
        assert response.status_code == 400
        assert await status_of(sender, shop, tid_of(path)) == "OPEN_PAYMENT"
        assert await balance_of(sender) == "100,000원"

    async def test_without_a_pin_the_page_asks_for_it(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop)
        response = await pay(sender, path, pin="")
        assert response.status_code == 422
        assert "6자리" in response.text

    async def test_an_expired_payment_goes_to_fail_url(
        self, sender: httpx.AsyncClient, shop: dict[str, Any], fake_clock: Any, settings: Settings
    ) -> None:
        path = await ready(sender, shop)
        page = await sender.get(path)
        fake_clock.advance(minutes=settings.payment_ready_minutes + 1)
        response = await sender.post(
            f"/checkout/{tid_of(path)}/pay", data={"csrf_token": csrf_of(page.text), "pin": PIN}
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{SHOP}/fail"
        shown = await sender.get(path)
        assert 'data-state="failed"' in shown.text
        assert f'href="{SHOP}/fail"' in shown.text

    async def test_csrf_is_required(self, sender: httpx.AsyncClient, shop: dict[str, Any]) -> None:
        path = await ready(sender, shop)
        await sender.get(path)
        response = await sender.post(f"/checkout/{tid_of(path)}/pay", data={"pin": PIN})
        assert response.status_code == 403
        quit_response = await sender.post(f"/checkout/{tid_of(path)}/quit")
        assert quit_response.status_code == 403
        assert await status_of(sender, shop, tid_of(path)) == "OPEN_PAYMENT"


class TestQuit:
    async def test_quit_goes_to_cancel_url(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        path = await ready(sender, shop)
        page = await sender.get(path)
        response = await sender.post(
            f"/checkout/{tid_of(path)}/quit", data={"csrf_token": csrf_of(page.text)}
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{SHOP}/cancel"
        assert await status_of(sender, shop, tid_of(path)) == "QUIT_PAYMENT"
        shown = await sender.get(path)
        assert 'data-state="quit"' in shown.text
        assert f'href="{SHOP}/cancel"' in shown.text
        assert 'name="pin"' not in shown.text


class TestPayByCard:
    async def test_the_buyer_pays_with_a_registered_card(
        self, sender: httpx.AsyncClient, shop: dict[str, Any], database: Any
    ) -> None:
        card_form = {
            "card_number": "9490-1200-0000-0012",
            "expiry": "1231",
            "birth_date": "900517",
            "password_two_digits": "12",
            "nickname": "생활비 카드",
            "pin": PIN,
        }
        registered = await post_form(sender, "/cards/register", "/cards/register", card_form)
        assert registered.status_code == 303, registered.text
        path = await ready(sender, shop, total=60_000)
        page = await sender.get(path)
        assert 'data-testid="method-card"' in page.text
        assert "생활비 카드" in page.text
        card_value = re.search(r'name="method" value="(card:\d+)"', page.text)
        assert card_value is not None
        response = await sender.post(
            f"/checkout/{tid_of(path)}/pay",
            data={
                "csrf_token": csrf_of(page.text),
                "pin": PIN,
                "method": card_value.group(1),
                "install_month": "3",
            },
        )
        assert response.status_code == 303, response.text
        token = parse_qs(urlsplit(response.headers["location"]).query)["pg_token"][0]
        approved = await sender.post(
            "/v1/payment/approve",
            data={
                "cid": CID,
                "tid": tid_of(path),
                "partner_order_id": "o-1",
                "partner_user_id": "u-1",
                "pg_token": token,
            },
            headers=admin(shop),
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["payment_method_type"] == "CARD"
        assert approved.json()["card_info"]["install_month"] == "03"
        assert await balance_of(sender) == "100,000원"  # Pay Money untouched

    async def test_a_declined_card_shows_why_and_keeps_the_order_open(
        self, sender: httpx.AsyncClient, shop: dict[str, Any]
    ) -> None:
        card_form = {
            "card_number": "9490-1200-0000-0038",  # always declines 05
            "expiry": "1231",
            "birth_date": "900517",
            "password_two_digits": "12",
            "pin": PIN,
        }
        registered = await post_form(sender, "/cards/register", "/cards/register", card_form)
        assert registered.status_code == 303, registered.text
        path = await ready(sender, shop)
        page = await sender.get(path)
        card_value = re.search(r'name="method" value="(card:\d+)"', page.text)
        assert card_value is not None
        response = await sender.post(
            f"/checkout/{tid_of(path)}/pay",
            data={"csrf_token": csrf_of(page.text), "pin": PIN, "method": card_value.group(1)},
        )
        assert response.status_code == 400
        assert "05" in response.text
        assert await status_of(sender, shop, tid_of(path)) == "SELECT_METHOD"
        assert (await pay(sender, path)).status_code == 303  # Pay Money still works
