"""The webhooks tab in a real headless Chromium: the event log with an attempt expanded, the
secret rotated (confirmed in a dialog) and shown once; no CSP errors; fits a phone."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from easypay.config import Settings
from easypay.db import Database
from easypay.identity import service as identity
from easypay.models import Merchant
from easypay.webhook import service, signing
from tests.payment import builders as payment
from tests.web.conftest import Browsing
from tests.web.test_browser import sign_in
from tests.webhook import builders
from tests.webhook.receiver import Receiver

pytestmark = pytest.mark.browser

PHONE = "010-5555-0101"
PASSWORD = "owner-pass-42"


@dataclass
class Owned:
    merchant_id: int
    msg_id: str
    secret: str


@pytest.fixture
async def owned(database: Database, settings: Settings, receiver: Receiver) -> Owned:
    """A merchant run by a user, webhooks to the receiver, one event whose first try got a 500."""
    shop = await payment.shop(database)
    async with database.transaction() as session:
        user = await identity.sign_up(session, PHONE, "최가게", date(1980, 1, 2), PASSWORD)
        merchant = (
            await session.execute(select(Merchant).where(Merchant.id == shop.merchant_id))
        ).scalar_one()
        merchant.owner_id = user.id
        endpoint = await service.configure(session, settings.server_secret, merchant, receiver.url)
    assert endpoint.secret is not None
    receiver.fail_next(1)
    published = await builders.event(database, shop.merchant_id)
    assert published is not None
    await builders.run_worker(database, settings)
    return Owned(shop.merchant_id, published.msg_id, endpoint.secret)


class TestWebhooksTab:
    def test_log_expand_and_rotate(
        self, owned: Owned, web: Browsing, settings: Settings, receiver: Receiver
    ) -> None:
        page = web.page
        sign_in(web, PHONE, PASSWORD)
        try:
            page.wait_for_url(lambda url: "/signin" not in url)
        finally:
            web.screenshot("merchant-webhooks-signin")
        web.go("/merchant/webhooks")
        row = page.locator("[data-testid=webhook-event]")
        assert row.count() == 1
        assert owned.msg_id in row.inner_text()
        assert "보내는 중" in row.locator("[data-testid=webhook-state]").inner_text()
        attempt = row.locator("[data-testid=webhook-attempt]")
        assert not attempt.is_visible()
        row.locator("summary").click()
        assert attempt.is_visible()
        assert "500" in attempt.inner_text()
        assert "HTTP 500" in attempt.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        web.screenshot("merchant-webhooks-375")

        page.once("dialog", lambda dialog: dialog.accept())
        page.click("[data-testid=rotate-secret]")
        shown = page.locator("[data-testid=webhook-secret]")
        shown.wait_for()
        secret = shown.inner_text()
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", secret)
        assert secret != owned.secret
        # The receiver would now verify with the new secret only.
        body = '{"type":"payment.approved"}'
        headers = signing.headers(secret, "msg_x", int(time.time()), body)
        Webhook(secret).verify(body, headers)
        web.screenshot("merchant-webhooks-secret-375")
        web.go("/merchant/webhooks")
        assert page.locator("[data-testid=webhook-secret]").count() == 0
        assert web.console_errors == []
