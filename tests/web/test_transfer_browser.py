"""Transfers and requests in a real headless Chromium at a phone's width: one person sends to a
friend with the PIN and splits a bill; the friend signs in, finds both in the inbox, receives
the money and pays their share. Screenshots of each page go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Browsing
from tests.web.helpers import FRIEND_NAME, FRIEND_PHONE, NAME, PASSWORD, PHONE, PIN
from tests.web.test_browser import link_bank, set_pin, sign_in, sign_up

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}


def fits(web: Browsing) -> None:
    assert web.page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]


def charge(web: Browsing, amount: str) -> None:
    web.go("/charge")
    web.page.fill("#amount", amount)
    web.page.fill("#pin", PIN)
    web.page.click("main button[type=submit]")
    web.page.wait_for_url("**/operations/*")


class TestSendAndReceive:
    def test_a_friend_receives_money_and_pays_a_share(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        page = web.page
        page.set_viewport_size(PHONE_390)
        # The friend joins first (no bank account: they will live on what they receive).
        sign_up(web, FRIEND_PHONE, FRIEND_NAME)
        set_pin(web)
        page.context.clear_cookies()

        open_sandbox_account(balance=1_000_000)
        sign_up(web)
        set_pin(web)
        link_bank(web)
        page.wait_for_url("**/?notice=linked")
        charge(web, "50000")
        web.go("/friends")
        page.fill("#phone", FRIEND_PHONE)
        page.click("main button[type=submit]")
        page.wait_for_url("**/friends?notice=friend_added")

        # Send 10,000원 from the home shortcut.
        web.go("/")
        page.click("[data-testid=shortcut-send]")
        page.wait_for_url("**/transfers/send")
        page.click(f"label.choice:has-text('{FRIEND_NAME}')")
        page.click("[data-add-amount='10000']")
        page.fill("#message", "점심 고마워")
        web.screenshot("send-390")
        fits(web)
        page.click("main button[type=submit]:has-text('다음')")
        assert f"{FRIEND_NAME}님에게" in page.inner_text("[data-testid=send-summary]")
        assert page.inner_text("[data-testid=send-amount]") == "10,000원"
        page.fill("#pin", PIN)
        web.screenshot("send-confirm-390")
        page.click("[data-testid=send-submit]")
        page.wait_for_url("**/transfers/*?notice=transfer_sent")
        assert "72시간" in page.inner_text("[data-testid=hold-note]")
        assert page.get_attribute("[data-testid=transfer]", "data-status") == "sent"
        web.screenshot("transfer-sent-390")

        # Split a 9,000원 bill with the friend (the shares show as the form is filled).
        web.go("/requests/dutch/new")
        page.fill("#title", "떡볶이")
        page.fill("#total", "9000")
        page.check(f"label.person-check:has-text('{FRIEND_NAME}') input")
        page.locator("[data-testid=share]").first.wait_for()
        assert page.inner_text("[data-testid=share]") == "4,500원"
        assert page.inner_text("[data-testid=share-me]") == "4,500원"
        web.screenshot("dutch-new-390")
        fits(web)
        page.click("[data-testid=dutch-submit]")
        page.wait_for_url("**/requests/*?notice=request_sent")

        # The friend signs in: two unread messages.
        page.context.clear_cookies()
        sign_in(web, FRIEND_PHONE, PASSWORD)
        page.wait_for_url(web.base_url + "/")
        assert page.inner_text("[data-testid=unread-badge]") == "2"
        page.click("[data-testid=inbox-link]")
        page.wait_for_url("**/inbox")
        messages = page.locator("[data-testid=message]")
        assert messages.count() == 2
        assert "떡볶이" in messages.nth(0).inner_text()
        assert f"{NAME}님이 10,000원을 보냈어요" in messages.nth(1).inner_text()
        web.screenshot("inbox-390")
        fits(web)

        messages.nth(1).locator("button").click()
        page.wait_for_url("**/transfers/*")
        assert "점심 고마워" in page.inner_text("main")
        page.click("[data-testid=receive]")
        page.wait_for_url("**/transfers/*?notice=transfer_received")
        assert page.get_attribute("[data-testid=transfer]", "data-status") == "received"
        assert "10,000원" in page.inner_text("[data-testid=balance-note]")
        web.screenshot("transfer-received-390")
        web.go("/")
        assert page.inner_text("[data-testid=balance]") == "10,000원"
        assert page.inner_text("[data-testid=unread-badge]") == "1"

        # Pay the share from the request board.
        web.go("/inbox")
        page.locator("[data-testid=message][data-unread=true] button").click()
        page.wait_for_url("**/requests/*")
        assert f"{NAME}님이 4,500원을 요청했어요" in page.inner_text("[data-testid=pay-box]")
        web.screenshot("request-pay-390")
        page.fill("#pin", PIN)
        page.click("[data-testid=pay]")
        page.wait_for_url("**/requests/*?notice=request_paid")
        assert page.inner_text("[data-testid=paid-total]") == "4,500원"
        assert page.get_attribute("[data-testid=board-row]", "data-status") == "paid"
        web.screenshot("request-board-390")
        fits(web)
        web.go("/")
        assert page.inner_text("[data-testid=balance]") == "5,500원"

        # The organiser's board and list, and the sender's transfers.
        page.context.clear_cookies()
        sign_in(web, PHONE, PASSWORD)
        page.wait_for_url(web.base_url + "/")
        web.go("/requests")
        page.click("[data-testid=request-item]")
        page.wait_for_url("**/requests/*")
        assert page.inner_text("[data-testid=outstanding]") == "0원"
        web.screenshot("request-board-organiser-390")
        web.go("/transfers")
        assert "받음" in page.inner_text("[data-testid=transfers]")
        web.screenshot("transfers-390")
        fits(web)
        web.go("/")
        web.screenshot("home-shortcuts-390", full_page=False)
        assert web.console_errors == []
