"""The hosted checkout in a real headless Chromium at a phone's width: a shop calls `ready`, the
buyer opens the mobile URL, signs in, pays with the PIN (the shortfall auto-charged), lands on
the shop's approval_url with a pg_token, and the shop approves it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from easypay.config import Settings
from easypay.scripting import create_merchant
from tests.conftest import LiveServer
from tests.web.conftest import Browsing
from tests.web.helpers import PASSWORD, PHONE, PIN
from tests.web.test_browser import onboard, set_pin, sign_up
from tests.web.test_cards_browser import fill_card

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
CID = "TC0ONETIME"
SHOP = "http://shop.test"


@pytest.fixture
async def shop(settings: Settings) -> dict[str, Any]:
    created: dict[str, Any] = await create_merchant(settings, "초코상점", [CID], 250)
    return created


def merchant_call(
    live_server: LiveServer, shop: dict[str, Any], action: str, data: dict[str, str]
) -> dict[str, Any]:
    response = httpx.post(
        f"{live_server.url}/v1/payment/{action}",
        data=data,
        headers={"Authorization": f"KakaoAK {shop['admin_key']}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCheckout:
    def test_a_buyer_pays_a_shop_with_the_pin(
        self,
        shop: dict[str, Any],
        live_server: LiveServer,
        web: Browsing,
        open_sandbox_account: Any,
    ) -> None:
        page = web.page
        page.set_viewport_size(PHONE_390)
        onboard(web, open_sandbox_account)  # a PIN and a linked account; no Pay Money yet
        page.context.clear_cookies()
        # The shop's own pages are not on this server: answer them in the browser.
        page.route(f"{SHOP}/**", lambda route: route.fulfill(status=200, body="shop"))

        ready = merchant_call(
            live_server,
            shop,
            "ready",
            {
                "cid": CID,
                "partner_order_id": "o-1",
                "partner_user_id": "u-1",
                "item_name": "초코파이",
                "quantity": "1",
                "total_amount": "2200",
                "tax_free_amount": "0",
                "approval_url": f"{SHOP}/ok?order=o-1",
                "cancel_url": f"{SHOP}/cancel",
                "fail_url": f"{SHOP}/fail",
            },
        )
        page.goto(ready["next_redirect_mobile_url"])
        page.wait_for_url("**/signin?next=**")
        page.fill("#phone", PHONE)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/checkout/*?channel=mobile")

        assert page.inner_text("[data-testid=merchant-name]") == "초코상점"
        assert page.inner_text("[data-testid=checkout-amount]") == "2,200원"
        assert page.inner_text("[data-testid=checkout-balance]") == "0원"
        assert "2,200원" in page.inner_text("[data-testid=auto-charge-note]")
        page.fill("#pin", PIN)
        web.screenshot("checkout-390")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
        page.click("[data-testid=checkout-pay]")
        page.wait_for_url(lambda url: url.startswith(f"{SHOP}/ok?"))

        query = parse_qs(urlsplit(page.url).query)
        assert query["order"] == ["o-1"]
        approved = merchant_call(
            live_server,
            shop,
            "approve",
            {
                "cid": CID,
                "tid": ready["tid"],
                "partner_order_id": "o-1",
                "partner_user_id": "u-1",
                "pg_token": query["pg_token"][0],
            },
        )
        assert approved["amount"]["total"] == 2200
        order = merchant_call(live_server, shop, "order", {"cid": CID, "tid": ready["tid"]})
        assert order["status"] == "SUCCESS_PAYMENT"
        web.go("/")
        assert page.inner_text("[data-testid=balance]") == "7,800원"  # 10,000원 auto-charged
        assert web.console_errors == []


class TestCheckoutWithACard:
    def test_a_buyer_pays_by_card_in_instalments(
        self, shop: dict[str, Any], live_server: LiveServer, web: Browsing
    ) -> None:
        page = web.page
        page.set_viewport_size(PHONE_390)
        sign_up(web)
        set_pin(web)
        web.go("/cards/register")
        fill_card(web, "12")
        page.wait_for_url("**/cards?notice=cards.registered")
        page.route(f"{SHOP}/**", lambda route: route.fulfill(status=200, body="shop"))
        ready = merchant_call(
            live_server,
            shop,
            "ready",
            {
                "cid": CID,
                "partner_order_id": "o-2",
                "partner_user_id": "u-2",
                "item_name": "겨울 외투",
                "quantity": "1",
                "total_amount": "189000",
                "tax_free_amount": "0",
                "approval_url": f"{SHOP}/ok",
                "cancel_url": f"{SHOP}/cancel",
                "fail_url": f"{SHOP}/fail",
            },
        )
        page.goto(ready["next_redirect_pc_url"])
        page.check("[data-testid=method-card]")
        page.select_option("[data-testid=install-month]", "6")
        page.fill("#pin", PIN)
        web.screenshot("checkout-card-390")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
        page.click("[data-testid=checkout-pay]")
        page.wait_for_url(lambda url: url.startswith(f"{SHOP}/ok?"))
        token = parse_qs(urlsplit(page.url).query)["pg_token"][0]
        approved = merchant_call(
            live_server,
            shop,
            "approve",
            {
                "cid": CID,
                "tid": ready["tid"],
                "partner_order_id": "o-2",
                "partner_user_id": "u-2",
                "pg_token": token,
            },
        )
        assert approved["payment_method_type"] == "CARD"
        assert approved["card_info"]["install_month"] == "06"
        order = merchant_call(live_server, shop, "order", {"cid": CID, "tid": ready["tid"]})
        assert order["status"] == "SUCCESS_PAYMENT"
        assert order["selected_card_info"]["card_bin"] == "949012"
        assert web.console_errors == []
