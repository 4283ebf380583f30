"""/demo-shop in a real headless Chromium, as a newcomer tries it: pick an item, sign in at the
checkout as a demo user, pay with the PIN, and come back to the shop with the order paid; then
the quit path (back to the shop's cancel page) and the fail path (five wrong PINs)."""

from __future__ import annotations

from typing import Any

import pytest

from easypay.config import Settings
from easypay.demo import DEMO_PASSWORD, DEMO_PIN, load_demo
from tests.web.conftest import Browsing

pytestmark = pytest.mark.browser

BUYER = "010-2345-6789"  # 이서연, with Pay Money and a linked account in the demo data


@pytest.fixture
async def demo(settings: Settings) -> None:
    await load_demo(settings)


def start_order(web: Browsing, item: str = "chocopie") -> Any:
    page = web.page
    web.go("/demo-shop")
    page.click(f"[data-testid=buy-{item}]")
    page.wait_for_url("**/signin?next=**")
    page.fill("#phone", BUYER)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/checkout/T*")
    return page


class TestDemoShop:
    def test_a_newcomer_pays_the_demo_shop(self, demo: None, web: Browsing) -> None:
        page = start_order(web)
        assert page.inner_text("[data-testid=merchant-name]") == "EasyPay 데모 상점"
        assert page.inner_text("[data-testid=checkout-amount]") == "2,200원"
        assert page.is_checked("[data-testid=method-money]")
        page.fill("#pin", DEMO_PIN)
        page.click("[data-testid=checkout-pay]")
        page.wait_for_url("**/demo-shop/approved?pg_token=*")
        assert page.inner_text("[data-testid=shop-status]") == "SUCCESS_PAYMENT"
        web.screenshot("demo-shop-paid")
        assert web.console_errors == []

    def test_quitting_returns_to_the_shop(self, demo: None, web: Browsing) -> None:
        page = start_order(web, "coffee")
        page.click("[data-testid=checkout-quit]")
        page.wait_for_url("**/demo-shop?result=cancel")
        assert "You quit the payment" in page.inner_text("[data-testid=shop-message]")

    def test_five_wrong_pins_fail_the_payment(self, demo: None, web: Browsing) -> None:
        page = start_order(web)
        for _ in range(4):
            page.fill("#pin", "000000")
            page.click("[data-testid=checkout-pay]")
            page.wait_for_selector("[role=alert]")
        page.fill("#pin", "000000")
        page.click("[data-testid=checkout-pay]")
        page.wait_for_url("**/demo-shop?result=fail")
        assert "The payment failed" in page.inner_text("[data-testid=shop-message]")
