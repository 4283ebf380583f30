"""The settlement pages in a real headless Chromium: the owner opens the statements, then one
statement with its lines and the bank's answer (no console or CSP errors)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from easypay.models import Merchant
from tests.money import builders as money
from tests.payment import builders as pay
from tests.settlement import builders as s
from tests.web.conftest import Browsing, web  # noqa: F401 - the browser fixture
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser

DAY = date(2026, 11, 20)


@pytest.fixture
async def settled(app, client, database) -> dict[str, Any]:
    """An owner whose merchant had a payment and a part cancel, settled and paid (real time:
    the day before today, as the browser's session lives on the real clock)."""
    from easypay.kit.clock import FakeClock, clock

    fake = FakeClock(s.at_kst(DAY, 10))
    clock.use(fake)
    try:
        shop = await s.merchant(database)
        owner = await money.person(client, database, name="박사장", link=False)
        async with database.transaction() as session:
            row = await session.get(Merchant, shop.id)
            assert row is not None
            row.owner_id = owner.user_id
        buyer = await pay.buyer(client, database, 50_000)
        tid = await s.payment(client, database, app, shop, buyer, 10_000)
        await s.cancel(client, shop, tid, 2_000)
        s.next_morning(fake, DAY)
        await s.run(app, DAY)
    finally:
        clock.reset()
    statement = await s.only_statement(database, shop)
    return {"owner": owner, "shop": shop, "statement": statement}


class TestSettlementPages:
    def test_owner_reads_statements_and_a_statement(
        self,
        settled: dict[str, Any],
        web: Browsing,  # noqa: F811
    ) -> None:
        page = web.page
        owner = settled["owner"]
        sign_in(web, owner.phone, money.PASSWORD)
        page.wait_for_url(lambda url: "/signin" not in url)
        web.go("/merchant/settlements")
        row = page.locator('[data-testid="settlement-row"]')
        assert row.count() == 1
        assert row.get_attribute("data-status") == "paid"
        assert "7,800원" in row.inner_text()
        web.screenshot("settlement-list")
        row.click()
        page.wait_for_url(f"**/merchant/settlements/{settled['statement'].id}")
        assert page.locator('[data-testid="settlement-status"]').inner_text() == "지급 완료"
        lines = page.locator('[data-testid="settlement-line"]')
        assert lines.count() == 2
        assert lines.nth(1).get_attribute("data-kind") == "CANCEL"
        assert settled["statement"].bank_tran_id in page.content()
        web.screenshot("settlement-detail")
        assert web.console_errors == []
