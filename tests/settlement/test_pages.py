"""The merchant dashboard's settlement pages: the statements list, one statement with its lines
and the bank's answer, only for the merchant the signed-in user runs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from easypay.identity import repository as identity_repository
from easypay.models import Merchant
from tests.payment import builders as pay
from tests.settlement import builders as s
from tests.web.helpers import E164, sign_up

DAY = date(2026, 11, 20)


@pytest.fixture
async def browser(app) -> AsyncIterator[httpx.AsyncClient]:
    """A second client for the dashboard (cookies), apart from the API calls of the buyer."""
    transport = httpx.ASGITransport(app=app, client=("10.1.2.4", 51001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def own(database, browser: httpx.AsyncClient, shop: s.Seller) -> None:
    """Sign up on the pages and make the new user run `shop`."""
    await sign_up(browser)
    async with database.transaction() as session:
        user = await identity_repository.user_by_phone(session, E164)
        assert user is not None
        row = await session.get(Merchant, shop.id)
        assert row is not None
        row.owner_id = user.id


async def settled(app, client, database, fake_clock, shop: s.Seller) -> None:
    buyer = await pay.buyer(client, database, 50_000)
    fake_clock.set(s.at_kst(DAY, 10))
    tid = await s.payment(client, database, app, shop, buyer, 10_000)
    await s.cancel(client, shop, tid, 2_000)
    s.next_morning(fake_clock, DAY)
    await s.run(app, DAY)


class TestList:
    async def test_statements_of_my_merchant(self, app, client, database, fake_clock, browser):
        shop = await s.merchant(database)
        await settled(app, client, database, fake_clock, shop)
        await own(database, browser, shop)
        page = await browser.get("/merchant/settlements")
        assert page.status_code == 200, page.text
        rows = page.text.split('data-testid="settlement-row"')[1:]
        assert len(rows) == 1
        assert 'data-status="paid"' in rows[0]
        assert "2026-11-20" in rows[0]
        assert "7,800원" in rows[0]  # 10,000 - 2,000 - (250 - 50)
        assert 'aria-current="page">정산<' in page.text  # the tab
        assert 'data-testid="no-account"' not in page.text

    async def test_empty_and_without_an_account(self, database, browser):
        shop = await s.merchant(database, with_account=False)
        await own(database, browser, shop)
        page = await browser.get("/merchant/settlements")
        assert page.status_code == 200
        assert 'data-testid="no-settlements"' in page.text
        assert 'data-testid="no-account"' in page.text

    async def test_carried_forward_shows_on_the_list(
        self, app, client, database, fake_clock, browser
    ):
        # No account: the day's statement waits unpaid, so the refund below is still covered
        # by what the buyer paid in (a refund after a payout would leave the merchant owing).
        shop = await s.merchant(database, with_account=False)
        buyer = await pay.buyer(client, database, 50_000)
        fake_clock.set(s.at_kst(DAY, 10))
        tid = await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        await s.cancel(client, shop, tid, 10_000)
        await own(database, browser, shop)
        page = await browser.get("/merchant/settlements")
        found = re.search(r'data-testid="unsettled-net">([^<]+)<', page.text)
        assert found
        assert found.group(1) == "-9,750원"
        assert 'data-testid="carried-note"' in page.text

    async def test_only_for_merchant_owners(self, client, browser):
        await sign_up(browser)
        page = await browser.get("/merchant/settlements")
        assert page.status_code == 403

    async def test_signed_out_visitors_sign_in_first(self, browser):
        page = await browser.get("/merchant/settlements")
        assert page.status_code == 303
        assert page.headers["location"] == "/signin?next=/merchant/settlements"


class TestStatement:
    async def test_lines_and_bank_outcome(self, app, client, database, fake_clock, browser):
        shop = await s.merchant(database)
        await settled(app, client, database, fake_clock, shop)
        await own(database, browser, shop)
        statement = await s.only_statement(database, shop)
        page = await browser.get(f"/merchant/settlements/{statement.id}")
        assert page.status_code == 200, page.text
        assert 'data-status="paid"' in page.text
        lines = page.text.split('data-testid="settlement-line"')[1:]
        kinds = [re.match(r' data-kind="(\w+)"', line) for line in lines]
        assert [kind.group(1) if kind else None for kind in kinds] == ["PAYMENT", "CANCEL"]
        assert "-2,000원" in lines[1]
        assert "-50원" in lines[1]
        assert statement.bank_tran_id is not None
        assert statement.bank_tran_id in page.text
        assert shop.account_number not in page.text  # masked
        assert "7,800원" in page.text

    async def test_failed_payout_shows_the_banks_answer(
        self, app, client, database, fake_clock, browser
    ):
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        fake_clock.set(s.at_kst(DAY, 10))
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        await s.add_deposit_fault(database, shop, "decline")
        await s.run(app, DAY)
        await own(database, browser, shop)
        statement = await s.only_statement(database, shop)
        page = await browser.get(f"/merchant/settlements/{statement.id}")
        assert 'data-status="failed"' in page.text
        assert 'data-testid="bank-refusal"' in page.text
        answer = re.search(r'data-testid="bank-answer">([^<]+)<', page.text)
        assert answer
        assert answer.group(1).startswith("999")

    async def test_another_merchants_statement_is_not_found(
        self, app, client, database, fake_clock, browser
    ):
        shop = await s.merchant(database)
        mine = await s.merchant(database)
        await settled(app, client, database, fake_clock, shop)
        await own(database, browser, mine)
        statement = await s.only_statement(database, shop)
        page = await browser.get(f"/merchant/settlements/{statement.id}")
        assert page.status_code == 404
        assert "정산서를 찾을 수 없습니다" in page.text
        assert "7,800" not in page.text

    @pytest.mark.parametrize("bad", ["0", "abc", str(2**63)])
    async def test_bad_ids_are_not_found(self, database, browser, bad):
        shop = await s.merchant(database)
        await own(database, browser, shop)
        page = await browser.get(f"/merchant/settlements/{bad}")
        assert page.status_code == 404
