"""The merchant flow in a real headless Chromium: a user applies, an operator approves in the
console, the owner issues keys on the dashboard and the shown key works on the API; and a
dashboard cancel of a paid payment."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from easypay.config import Settings
from easypay.db import Database
from easypay.money.gateway import BankGateway
from tests.conftest import LiveServer
from tests.merchant import builders as build
from tests.money.builders import PASSWORD, Person
from tests.payment import builders as pay
from tests.web.conftest import OPERATOR_PASSWORD, OPERATOR_PHONE, Browsing
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
async def applicant(client: httpx.AsyncClient, database: Database) -> Person:
    return await build.applicant(client, database)


@pytest.fixture
async def paid_payment(
    client: httpx.AsyncClient, database: Database, settings: Settings, app: FastAPI
) -> dict[str, Any]:
    bank: BankGateway = app.state.bank
    owner, shop = await build.approved_shop(client, database, bank)
    buyer = await pay.buyer(client, database, 10_000)
    started = await pay.paid(client, database, settings, shop, buyer, total_amount=2_200)
    return {"owner": owner, "shop": shop, "buyer": buyer, "tid": started.tid}


def sign_in_as(web: Browsing, phone: str, password: str) -> None:
    web.page.context.clear_cookies()
    sign_in(web, phone, password)
    web.page.wait_for_url(lambda url: "/signin" not in url)


class TestMerchantFlow:
    def test_apply_approve_issue_keys_and_call_the_api(
        self,
        applicant: Person,
        operator: None,
        live_server: LiveServer,
        web: Browsing,
    ) -> None:
        page = web.page
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in_as(web, applicant.phone, PASSWORD)
        web.go("/merchant")
        page.wait_for_url("**/merchant/apply")
        page.fill("#name", "초코상점")
        page.fill("#business_number", build.business_number(dashed=True))
        page.select_option("#bank_code", applicant.bank_code)
        page.fill("#account_number", applicant.account_number)
        page.click("[data-testid=apply-form] button[type=submit]")
        page.wait_for_url("**/merchant/apply?notice=merchant_applied")
        assert page.is_visible("[data-testid=application-pending]")
        web.screenshot("merchant-apply-pending")

        sign_in_as(web, OPERATOR_PHONE, OPERATOR_PASSWORD)
        web.go("/admin/merchants")
        web.screenshot("merchant-admin-console")
        row = page.locator("[data-testid=admin-merchant-row]", has_text="초코상점")
        row.locator("[data-testid=approve]").click()
        page.wait_for_url("**/admin/merchants?notice=merchant_approved")
        assert (
            "이용 중"
            in page.locator("[data-testid=admin-merchant-row]", has_text="초코상점").inner_text()
        )

        sign_in_as(web, applicant.phone, PASSWORD)
        web.go("/merchant")
        page.wait_for_url("**/merchant")
        page.click("a[href='/merchant/keys']")
        page.wait_for_url("**/merchant/keys")
        cid = page.inner_text("[data-testid=cids] code")
        page.fill("#password", PASSWORD)
        page.click("[data-testid=issue-keys]")
        page.wait_for_selector("[data-testid=new-keys]")
        admin_key = page.inner_text("[data-testid=admin-key]")
        web.screenshot("merchant-keys-issued")

        response = httpx.post(
            f"{live_server.url}/v1/payment/ready",
            data={
                "cid": cid,
                "partner_order_id": "o-1",
                "partner_user_id": "u-1",
                "item_name": "초코파이",
                "quantity": "1",
                "total_amount": "2200",
                "tax_free_amount": "0",
                "approval_url": "http://shop.test/ok",
                "cancel_url": "http://shop.test/cancel",
                "fail_url": "http://shop.test/fail",
            },
            headers={"Authorization": f"KakaoAK {admin_key}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        tid = response.json()["tid"]
        web.go("/merchant")
        assert page.is_visible(f"[data-tid='{tid}']")
        web.screenshot("merchant-payments")
        assert web.console_errors == []

    def test_cancel_a_paid_payment_from_the_dashboard(
        self, paid_payment: dict[str, Any], live_server: LiveServer, web: Browsing
    ) -> None:
        page = web.page
        questions: list[str] = []

        def accept(dialog: Any) -> None:
            questions.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        owner: Person = paid_payment["owner"]
        tid = paid_payment["tid"]
        sign_in_as(web, owner.phone, PASSWORD)
        web.go("/merchant")
        page.click(f"[data-tid='{tid}'] a")
        page.wait_for_url(f"**/merchant/payments/{tid}")
        assert page.inner_text("[data-testid=remaining]") == "2,200원"
        page.fill("#amount", "1000")
        page.click("[data-testid=cancel-form] button[type=submit]")
        page.wait_for_url(f"**/merchant/payments/{tid}?notice=merchant_canceled")
        assert questions
        assert "환불" in questions[0]
        assert page.inner_text("[data-testid=payment-status]") == "부분 취소"
        assert page.inner_text("[data-testid=remaining]") == "1,200원"

        page.fill("#amount", "5000")  # more than what remains: refused, shown on the page
        page.click("[data-testid=cancel-form] button[type=submit]")
        page.wait_for_selector("[data-testid=form-error]")
        assert "1,200원" in page.inner_text("[data-testid=form-error]")
        assert page.inner_text("[data-testid=remaining]") == "1,200원"
        web.screenshot("merchant-cancel-refused")
        buyer: Person = paid_payment["buyer"]
        balance = httpx.get(
            f"{live_server.url}/api/v1/money/balance", headers=buyer.headers, timeout=10
        )
        assert balance.json()["balance"] == 10_000 - 2_200 + 1_000
        # The refused cancel is a 409 page (the browser logs its status); nothing else failed.
        assert [e for e in web.console_errors if "status of 409" not in e] == []
