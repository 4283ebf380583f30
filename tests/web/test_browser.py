"""The web app in a real headless Chromium: the whole first-use flow, withdrawal, CSRF,
language, the operator console, and how home looks at a phone's width."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.web.conftest import OPERATOR_PASSWORD, OPERATOR_PHONE, Browsing
from tests.web.helpers import (
    ACCOUNT,
    BANK,
    BIRTH,
    NAME,
    PASSWORD,
    PHONE,
    PIN,
    csrf_of,
    nonce_of,
)

pytestmark = pytest.mark.browser


def sign_up(web: Browsing, phone: str = PHONE, name: str = NAME) -> None:
    web.go("/signup")
    page = web.page
    page.fill("#phone", phone)
    page.fill("#name", name)
    page.fill("#birth_date", BIRTH)
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/pin/set")


def set_pin(web: Browsing) -> None:
    page = web.page
    page.fill("#pin", PIN)
    page.fill("#pin_confirm", PIN)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/link?notice=pin_set")


def link_bank(web: Browsing, number: str = ACCOUNT) -> None:
    page = web.page
    page.select_option("#bank_code", BANK)
    page.fill("#account_number", number)
    page.check("input[name=consent]")
    page.click("main button[type=submit]")


def sign_in(web: Browsing, phone: str, password: str) -> None:
    web.go("/signin")
    web.page.fill("#phone", phone)
    web.page.fill("#password", password)
    web.page.click("main button[type=submit]")


def onboard(web: Browsing, open_sandbox_account: Any, balance: int = 1_000_000) -> None:
    open_sandbox_account(balance=balance)
    sign_up(web)
    set_pin(web)
    link_bank(web)
    web.page.wait_for_url("**/?notice=linked")


def balance_text(web: Browsing) -> str:
    web.go("/")
    text: str = web.page.inner_text("[data-testid=balance]")
    return text


class TestFirstUse:
    def test_sign_up_link_charge_shows_the_balance(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        open_sandbox_account(balance=500_000)
        sign_up(web)
        assert "결제 비밀번호 설정" in web.page.inner_text("h1")
        web.screenshot("onboarding-2-pin-375", full_page=False)
        set_pin(web)
        assert "결제 비밀번호를 설정했습니다" in web.page.inner_text("[role=status]")
        web.screenshot("onboarding-3-link-375")
        link_bank(web)
        web.page.wait_for_url("**/?notice=linked")
        assert web.page.inner_text("[data-testid=balance]") == "0원"

        page = web.page
        page.click("a.btn-dark[href='/charge']")
        page.wait_for_url("**/charge")
        page.click("[data-add-amount='50000']")
        page.click("[data-add-amount='10000']")
        assert page.input_value("#amount") == "60,000"
        page.fill("#pin", PIN)
        page.click("main button[type=submit]")
        page.wait_for_url("**/operations/*")
        assert "60,000원 충전 완료" in page.inner_text("[data-testid=operation-result]")
        web.screenshot("charge-done-375", full_page=False)

        assert balance_text(web) == "60,000원"
        assert "+60,000원" in page.inner_text("[data-testid=activity]")
        assert web.console_errors == []

    def test_a_wrong_pin_is_explained_and_moves_nothing(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        onboard(web, open_sandbox_account)
        web.go("/charge")
        web.page.fill("#amount", "10000")
        web.page.fill("#pin", "111112")
        web.page.click("main button[type=submit]")
        error = web.page.inner_text("[data-testid=form-error]")
        assert "결제 비밀번호가 틀렸습니다" in error
        assert "4번 더 틀리면" in error
        assert balance_text(web) == "0원"

    def test_holder_name_mismatch_is_shown_on_the_form(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        open_sandbox_account(holder="박서연", number="220011112222")
        sign_up(web)
        set_pin(web)
        link_bank(web, "220011112222")
        error = web.page.inner_text("[data-testid=form-error]")
        web.screenshot("link-mismatch-375")
        assert "예금주 이름이 회원님 이름(김민준)과 다릅니다" in error
        assert web.page.input_value("#account_number") == "220011112222"


class TestWithdraw:
    def test_withdraw_to_the_linked_account(self, web: Browsing, open_sandbox_account: Any) -> None:
        onboard(web, open_sandbox_account)
        page = web.page
        web.go("/charge")
        page.click("[data-add-amount='100000']")
        page.fill("#pin", PIN)
        page.click("main button[type=submit]")
        page.wait_for_url("**/operations/*")

        web.go("/withdraw")
        assert "출금 가능 100,000원" in page.inner_text("#amount-hint")
        page.fill("#amount", "30000")
        page.fill("#pin", PIN)
        page.click("main button[type=submit]")
        page.wait_for_url("**/operations/*")
        assert "30,000원 출금 완료" in page.inner_text("[data-testid=operation-result]")
        assert balance_text(web) == "70,000원"

        web.go("/history?kind=withdrawal")
        items = page.locator("[data-testid=activity]")
        assert items.count() == 1
        assert "-30,000원" in items.first.inner_text()

    def test_more_than_the_balance_is_refused(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        onboard(web, open_sandbox_account)
        web.go("/withdraw")
        web.page.fill("#amount", "5000")
        web.page.fill("#pin", PIN)
        web.page.click("main button[type=submit]")
        assert "잔액이 부족합니다" in web.page.inner_text("[data-testid=form-error]")


class TestHistory:
    def test_more_appends_the_next_page_in_place(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        onboard(web, open_sandbox_account)
        # 21 charges through the same pages, sent by a plain HTTP client with this session.
        cookies = {c["name"]: c["value"] for c in web.page.context.cookies()}
        with httpx.Client(base_url=web.base_url, cookies=cookies) as http:
            for _ in range(21):
                form = http.get("/charge").text
                link = re.search(r'name="link_id" value="(\d+)"', form)
                assert link
                sent = http.post(
                    "/charge",
                    data={
                        "csrf_token": csrf_of(form),
                        "nonce": nonce_of(form),
                        "link_id": link.group(1),
                        "amount": "1000",
                        "pin": PIN,
                    },
                )
                assert sent.status_code == 303
        web.go("/history")
        items = web.page.locator("[data-testid=activity]")
        assert items.count() == 20
        web.page.click("[data-testid=history-more]")  # htmx swaps the button for the rest
        items.nth(20).wait_for()
        assert items.count() == 21
        assert web.page.locator("[data-testid=history-more]").count() == 0
        assert web.page.url.endswith("/history")  # no navigation
        assert web.console_errors == []


class TestCsrf:
    def test_a_forged_token_is_refused_and_changes_nothing(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        onboard(web, open_sandbox_account)
        page = web.page
        web.go("/charge")
        page.fill("#amount", "10000")
        page.fill("#pin", PIN)
        page.eval_on_selector("main input[name=csrf_token]", "input => input.value = 'forged'")
        page.click("main button[type=submit]")
        web.screenshot("csrf-403-375", full_page=False)
        assert page.inner_text("[data-testid=error-page]").startswith("403")
        assert "보안 확인에 실패" in page.inner_text("[data-testid=error-page]")
        assert balance_text(web) == "0원"

    def test_another_site_cannot_post_a_form(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        onboard(web, open_sandbox_account)
        # A form that carries the session cookie but cannot know the token.
        web.page.set_content(
            f'<form method="post" action="{web.base_url}/signout">'
            '<button id="go">go</button></form>'
        )
        web.page.click("#go")
        assert "403" in web.page.inner_text("body")
        web.go("/")
        assert web.page.url.rstrip("/") == web.base_url  # still signed in


class TestLanguage:
    def test_switch_to_english_and_back(self, web: Browsing, open_sandbox_account: Any) -> None:
        web.go("/signin")
        page = web.page
        assert page.inner_text("h1") == "로그인"
        assert page.get_attribute("html", "lang") == "ko"
        page.click("[data-testid=lang-switch]")
        page.wait_for_url("**/signin")
        assert page.inner_text("h1") == "Sign in"
        assert page.get_attribute("html", "lang") == "en"

        web.go("/signup")  # the choice sticks (cookie)
        assert page.inner_text("h1") == "Create your account"
        page.click("[data-testid=lang-switch]")
        assert page.inner_text("h1") == "회원가입"

    def test_english_wallet(self, web: Browsing, open_sandbox_account: Any) -> None:
        onboard(web, open_sandbox_account)
        web.page.click("[data-testid=lang-switch]")
        web.page.wait_for_url(web.base_url + "/")
        assert "Hello, 김민준" in web.page.inner_text(".greeting")
        assert web.page.inner_text("[data-testid=balance]") == "0원"
        assert web.page.inner_text("[data-testid=shortcut-pay]").strip() == "Pay in store"
        assert web.page.inner_text("[data-testid=shortcut-send]").strip() == "Send"
        web.screenshot("home-375-en")


class TestOperatorConsole:
    @pytest.mark.usefixtures("operator")
    def test_operator_sees_users_ledger_and_activity(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        onboard(web, open_sandbox_account)
        web.page.context.clear_cookies()
        sign_in(web, OPERATOR_PHONE, OPERATOR_PASSWORD)
        web.go("/admin")
        page = web.page
        rows = page.locator("[data-testid=admin-user-row]")
        assert rows.count() == 2
        assert NAME in page.inner_text("[data-testid=admin-users]")

        customer = rows.filter(has_text=NAME)
        customer.locator("button[type=submit]").click()
        page.wait_for_url("**/admin?notice=user_updated")
        assert (
            "정지"
            in page.locator("[data-testid=admin-user-row]").filter(has_text=NAME).inner_text()
        )

        web.go("/admin/ledger")
        assert page.get_attribute("[data-testid=ledger-health]", "data-ok") == "true"
        web.go("/admin/activity")
        assert "user.signed_up" in page.inner_text("[data-testid=admin-activity]")
        web.go("/admin")
        web.screenshot("admin-375")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # table scrolls inside
        page.set_viewport_size({"width": 1280, "height": 800})
        web.go("/admin")
        web.screenshot("admin-1280")
        assert web.console_errors == []

    @pytest.mark.usefixtures("operator")
    def test_a_customer_cannot_open_the_console(
        self, web: Browsing, open_sandbox_account: Any
    ) -> None:
        onboard(web, open_sandbox_account)
        assert web.page.locator("a[href='/admin']").count() == 0
        response = web.go("/admin")
        assert response.status == 403
        assert "운영자만" in web.page.inner_text("[data-testid=error-page]")


class TestLooks:
    def test_home_at_a_phone_width(self, web: Browsing, open_sandbox_account: Any) -> None:
        onboard(web, open_sandbox_account)
        page = web.page
        web.go("/charge")
        page.click("[data-add-amount='10000']")
        page.fill("#pin", PIN)
        page.click("main button[type=submit]")
        page.wait_for_url("**/operations/*")
        web.go("/")
        web.screenshot("home-375", full_page=False)  # what the phone's screen shows
        web.screenshot("home-375-full")

        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
        balance = page.locator("[data-testid=balance]")
        assert balance.inner_text() == "10,000원"
        box = balance.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 375
        for selector in (".money-actions .btn", ".shortcut", ".tabbar a"):
            for element in page.locator(selector).all():
                size = element.bounding_box()
                assert size is not None, selector
                assert size["height"] >= 44, selector  # thumb-sized
        assert page.get_attribute("[data-testid=shortcut-send]", "href") == "/transfers/send"
        assert page.get_attribute("[data-testid=shortcut-pay]", "href") == "/pay/code"
        assert web.console_errors == []

    def test_forms_fit_a_phone(self, web: Browsing, open_sandbox_account: Any) -> None:
        web.go("/signup")
        web.screenshot("signup-375")
        assert web.page.evaluate("document.documentElement.scrollWidth") <= 375
        onboard(web, open_sandbox_account)
        for kind, amount in (("charge", "50000"), ("withdraw", "12000")):
            web.go(f"/{kind}")
            web.page.fill("#amount", amount)
            web.page.fill("#pin", PIN)
            web.page.click("main button[type=submit]")
            web.page.wait_for_url("**/operations/*")
        for path, name in (
            ("/charge", "charge-375"),
            ("/accounts/link", "link-375"),
            ("/history", "history-375"),
            ("/settings", "settings-375"),
            ("/sessions", "sessions-375"),
            ("/friends", "friends-375"),
        ):
            web.go(path)
            web.screenshot(name)
            assert web.page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert web.console_errors == []

    def test_home_on_a_desktop(self, web: Browsing, open_sandbox_account: Any) -> None:
        onboard(web, open_sandbox_account)
        web.page.set_viewport_size({"width": 1280, "height": 900})
        web.go("/")
        web.screenshot("home-1280")
        box = web.page.locator(".money-card").bounding_box()
        assert box is not None
        assert box["width"] <= 480
        assert web.console_errors == []


class TestApiDocs:
    def test_swagger_ui_runs_from_vendored_files(self, web: Browsing) -> None:
        requests: list[str] = []
        web.page.on("request", lambda request: requests.append(request.url))
        web.go("/docs")
        web.page.wait_for_selector(".swagger-ui .info .title")
        assert "EasyPay" in web.page.inner_text(".swagger-ui .info .title")
        assert all(url.startswith(web.base_url) for url in requests)  # no CDN
