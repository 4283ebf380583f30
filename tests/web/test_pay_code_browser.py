"""The payment code page in a real headless Chromium at a phone's width: the buyer enters the
PIN, the page shows the barcode, the QR and the digits with a running countdown; a POS charges
the digits read off the page through the API (the shortfall auto-charged), the receipt is in the
inbox, and refresh replaces the code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from easypay.config import Settings
from easypay.scripting import create_merchant
from tests.conftest import LiveServer
from tests.web.conftest import Browsing
from tests.web.helpers import PIN
from tests.web.test_browser import onboard

pytestmark = pytest.mark.browser

CID = "TC0ONETIME"


@pytest.fixture
async def shop(settings: Settings) -> dict[str, Any]:
    created: dict[str, Any] = await create_merchant(settings, "별다방", [CID], 250)
    return created


def pos_charge(
    live_server: LiveServer, shop: dict[str, Any], code: str, request_id: str
) -> httpx.Response:
    return httpx.post(
        f"{live_server.url}/api/v1/pos/payments",
        json={"code": code, "amount": 4500, "pos_request_id": request_id, "item_name": "라떼"},
        headers={"Authorization": f"SECRET_KEY {shop['secret_key']}"},
        timeout=10,
    )


class TestPayCode:
    def test_show_the_code_and_a_pos_charges_it(
        self,
        shop: dict[str, Any],
        live_server: LiveServer,
        web: Browsing,
        open_sandbox_account: Any,
    ) -> None:
        page = web.page
        onboard(web, open_sandbox_account)  # a PIN and a linked account; no Pay Money yet
        web.go("/pay/code")
        assert "pay-code-digits" not in page.content()
        page.fill("[data-testid=pay-code-pin]", PIN)
        page.click("[data-testid=pay-code-show]")
        page.wait_for_selector("[data-testid=pay-code-digits]")

        spaced = page.inner_text("[data-testid=pay-code-digits]")
        digits = spaced.replace(" ", "")
        assert len(digits) == 20
        assert digits.isdigit()
        assert spaced.count(" ") == 4
        assert page.is_visible("[data-testid=pay-code-barcode]")
        assert page.is_visible("[data-testid=pay-code-qr]")
        barcode_box = page.locator("[data-testid=pay-code-barcode]").bounding_box()
        assert barcode_box is not None
        assert barcode_box["width"] > 250  # wide enough for a scanner at a phone's width
        # The countdown runs in the page (3:00 when rendered, less once the script ticks).
        expect(page.locator("[data-testid=pay-code-countdown]")).not_to_have_text("3:00")
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        web.screenshot("pay-code-375")

        charged = pos_charge(live_server, shop, digits, "till-1")
        assert charged.status_code == 201, charged.text
        assert charged.json()["status"] == "SUCCESS_PAYMENT"
        again = pos_charge(live_server, shop, digits, "till-2")
        assert again.status_code == 409, again.text

        web.go("/")
        assert page.inner_text("[data-testid=balance]") == "5,500원"  # 10,000원 auto-charged
        web.go("/inbox")
        assert "별다방" in page.inner_text("main")
        assert "4,500" in page.inner_text("main")
        assert web.console_errors == []

    def test_refresh_shows_a_new_code(
        self, shop: dict[str, Any], web: Browsing, open_sandbox_account: Any
    ) -> None:
        page = web.page
        onboard(web, open_sandbox_account)
        web.go("/pay/code")
        page.fill("[data-testid=pay-code-pin]", PIN)
        page.click("[data-testid=pay-code-show]")
        page.wait_for_selector("[data-testid=pay-code-digits]")
        first = page.inner_text("[data-testid=pay-code-digits]")
        page.click("[data-testid=pay-code-refresh]")
        expect(page.locator("[data-testid=pay-code-digits]")).not_to_have_text(first)
        second = page.inner_text("[data-testid=pay-code-digits]")
        assert second.replace(" ", "").isdigit()
        assert second != first
        assert web.console_errors == []
