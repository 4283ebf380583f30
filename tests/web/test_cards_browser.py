"""Cards in a real headless Chromium at a phone's width: register a card (a refusal first, then
the right details), see it listed, remove it. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.web.conftest import Browsing
from tests.web.helpers import PIN
from tests.web.test_browser import set_pin, sign_up

pytestmark = pytest.mark.browser


def fill_card(web: Browsing, password_two_digits: str) -> None:
    page = web.page
    page.fill("#card_number", "9490-1200-0000-0012")
    page.fill("#expiry", "1231")
    page.fill("#birth_date", "900517")
    page.fill("#password_two_digits", password_two_digits)
    page.fill("#nickname", "생활비 카드")
    page.fill("#pin", PIN)
    page.click("[data-testid=card-submit]")


class TestCards:
    def test_register_a_card_see_it_listed_and_remove_it(self, web: Browsing) -> None:
        page = web.page
        sign_up(web)
        set_pin(web)
        web.go("/cards")
        assert page.locator("[data-testid=cards-empty]").is_visible()
        page.click("[data-testid=card-add]")
        page.wait_for_url("**/cards/register")

        fill_card(web, "99")  # the issuer says the details do not match
        error = page.locator("[data-testid=form-error]")
        error.wait_for()
        assert "카드 정보가 일치하지 않습니다" in error.inner_text()
        assert page.input_value("#card_number") == "9490-1200-0000-0012"
        assert page.input_value("#password_two_digits") == ""
        web.screenshot("cards-register-refused")
        # The refused form is answered 403 (which the console notes); nothing else went wrong.
        assert all("status of 403" in message for message in web.console_errors)
        web.console_errors.clear()

        fill_card(web, "12")
        page.wait_for_url("**/cards?notice=cards.registered")
        item = page.locator("[data-testid=card-item][data-last4='0012']")
        assert item.is_visible()
        assert "생활비 카드" in item.inner_text()
        assert "9490-12**-****-0012" in item.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        web.screenshot("cards-list")

        item.locator("button[type=submit]").click()
        page.wait_for_url("**/cards?notice=cards.removed")
        assert page.locator("[data-testid=cards-empty]").is_visible()
        assert web.console_errors == []
