"""The demo bank in a real headless Chromium: a signed-up user with a certificate is asked by
the bank (institution API over HTTP) to sign a loan agreement, signs it in the wallet with the
certificate PIN, and the bank collects the result and shows every check passed."""

from __future__ import annotations

import pytest

from easypay.certificate.demo import ensure_demo_institution
from easypay.db import Database
from tests.web.certificate_support import CERT_PIN, fast_argon
from tests.web.conftest import Browsing
from tests.web.helpers import BIRTH, NAME, PHONE
from tests.web.test_browser import set_pin, sign_up
from tests.web.test_certificate_browser import issue

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_argon")]
__all__ = ["fast_argon"]


@pytest.fixture
async def demo_institution(database: Database) -> None:
    async with database.transaction() as session:
        await ensure_demo_institution(session)


@pytest.mark.usefixtures("demo_institution")
def test_the_bank_asks_the_user_signs_the_bank_checks(web: Browsing) -> None:
    page = web.page
    sign_up(web)
    set_pin(web)
    issue(web)
    web.go("/demo-bank")
    page.fill("#phone", PHONE)
    page.fill("#name", NAME)
    page.fill("#birth_date", BIRTH)
    page.click("[data-testid=bank-ask]")
    assert page.locator("[data-testid=bank-status]").inner_text() == "pending"
    web.screenshot("demo-bank-pending")
    page.click("[data-testid=bank-open-wallet]")
    assert "이지은행 신용대출 약정서" in page.locator("[data-testid=sign-text]").inner_text()
    page.fill("#pin", CERT_PIN)
    page.click("[data-testid=approve]")
    page.wait_for_url("**/certificates/requests?notice=*")
    web.go("/demo-bank")
    assert page.locator("[data-testid=bank-status]").inner_text() == "signed"
    page.click("[data-testid=bank-collect]")
    checks = page.locator("[data-testid^=check-]")
    assert checks.count() == 4
    for index in range(4):
        assert checks.nth(index).get_attribute("data-ok") == "yes"
    assert "signed and verified" in page.locator("[data-testid=bank-verdict]").inner_text()
    web.screenshot("demo-bank-verified")
