"""Certificates in a real headless Chromium at a phone's width: issue one, see it, suspend and
restore it; approve a signature request an institution made through its API; open an event's
proof page and let the page's own script re-verify the inclusion proof. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import httpx
import pytest

from easypay.db import Database
from tests.conftest import LiveServer
from tests.web.certificate_support import CERT_PIN, ask_body, fast_argon, new_institution
from tests.web.conftest import Browsing
from tests.web.helpers import PIN
from tests.web.test_browser import set_pin, sign_up

CONTRACT = "제1조 (목적) 이 약정은 대출 조건을 정합니다.\n제2조 금리는 연 4.5%입니다."

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_argon")]
__all__ = ["fast_argon"]


@pytest.fixture
async def institution_key(database: Database) -> str:
    return await new_institution(database, "한빛은행")


def issue(web: Browsing) -> None:
    page = web.page
    web.go("/certificates")
    page.locator("[data-testid=no-certificate]").wait_for()
    web.screenshot("certificates-none")
    page.fill("#issue-new_pin", CERT_PIN)
    page.fill("#issue-new_pin_confirm", CERT_PIN)
    page.fill("#issue-payment_pin", PIN)
    page.click("[data-testid=issue-submit]")
    page.wait_for_url("**/certificates?notice=certificates.issued")


def no_horizontal_scroll(web: Browsing) -> None:
    assert web.page.evaluate("document.documentElement.scrollWidth") <= 375


class TestCertificateWallet:
    def test_issue_suspend_and_restore(self, web: Browsing) -> None:
        page = web.page
        sign_up(web)
        set_pin(web)
        web.go("/settings")
        page.click("[data-testid=settings-certificates]")
        page.wait_for_url("**/certificates")
        issue(web)
        status = page.locator("[data-testid=certificate-status]")
        assert status.inner_text() == "유효"
        assert "인증서를 발급했습니다." in page.locator(".notice").inner_text()
        assert "서버 보관" in page.locator("[data-testid=certificate]").inner_text()
        no_horizontal_scroll(web)
        web.screenshot("certificates-issued")

        page.click("[data-testid=action-suspend] summary")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("[data-testid=suspend-submit]")
        page.wait_for_url("**/certificates?notice=certificates.suspended")
        assert status.inner_text() == "정지"

        page.fill("#restore-payment_pin", "111111")  # wrong: refused on the page
        page.click("[data-testid=restore-submit]")
        error = page.locator("[data-testid=form-error]")
        error.wait_for()
        assert "결제 비밀번호가 틀렸습니다" in error.inner_text()
        assert status.inner_text() == "정지"
        web.screenshot("certificates-restore-refused")
        assert all("status of 403" in message for message in web.console_errors)
        web.console_errors.clear()

        page.fill("#restore-payment_pin", PIN)
        page.click("[data-testid=restore-submit]")
        page.wait_for_url("**/certificates?notice=certificates.restored")
        assert status.inner_text() == "유효"

        page.click("[data-testid=lang-switch]")
        page.wait_for_url("**/certificates")
        assert status.inner_text() == "Valid"
        assert "Held by EasyPay" in page.locator("[data-testid=certificate]").inner_text()
        no_horizontal_scroll(web)
        web.screenshot("certificates-english")
        assert web.console_errors == []

    def test_approve_a_request_and_verify_its_proof_in_the_browser(
        self, institution_key: str, live_server: LiveServer, web: Browsing
    ) -> None:
        # institution_key (async) comes before web: Playwright's sync API blocks the loop.
        page = web.page
        sign_up(web)
        set_pin(web)
        issue(web)
        response = httpx.post(
            f"{live_server.url}/api/v1/institution/sign-requests",
            json=ask_body(
                text="제1조 (목적) 이 약정은 대출 조건을 정합니다.\n제2조 금리는 연 4.5%입니다."
            ),
            headers={"Authorization": f"Bearer {institution_key}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        receipt = response.json()["receipt_id"]

        web.go("/certificates")
        assert page.locator("[data-testid=pending-count]").inner_text() == "1건"
        web.screenshot("certificates-pending", full_page=False)
        page.click("[data-testid=requests-link]")
        page.wait_for_url("**/certificates/requests")
        web.screenshot("certificates-requests")
        page.click(f"[data-receipt={receipt}]")
        page.wait_for_url(f"**/certificates/requests/{receipt}")
        assert "제2조 금리는 연 4.5%입니다." in page.locator("[data-testid=sign-text]").inner_text()
        assert page.locator("[data-testid=institution]").inner_text() == "한빛은행"
        no_horizontal_scroll(web)
        web.screenshot("certificates-request")
        page.fill("#pin", CERT_PIN)
        page.click("[data-testid=approve]")
        page.wait_for_url("**/certificates/requests?notice=certificates.signed")
        assert page.locator("[data-testid=sign-requests-empty]").is_visible()

        web.go("/certificates/history")
        items = page.locator("[data-testid=event-item]")
        assert items.count() == 2
        assert items.first.get_attribute("data-kind") == "sign"
        web.screenshot("certificates-history")
        items.first.click()
        page.wait_for_url("**/certificates/events/*")
        assert page.locator("[data-testid=server-verdict]").inner_text().strip() == "검증됨"
        verdict = page.locator("[data-testid=browser-verdict][data-ok]")
        verdict.wait_for()
        assert verdict.get_attribute("data-ok") == "true"
        assert verdict.inner_text() == "검증됨"
        detail = page.locator("[data-testid=browser-detail]").inner_text()
        assert detail.startswith("이 브라우저가 체크포인트의 서명을 로그 공개 키로 확인했고")
        no_horizontal_scroll(web)
        web.screenshot("certificates-proof")

        # A tampered proof (one path hash changed in the page) fails the browser's own check.
        page.evaluate(
            """() => {
              const box = document.querySelector('[data-tlog-proof]');
              const leaf = box.getAttribute('data-leaf');
              const last = leaf.endsWith('7d') ? '7e' : '7d';
              box.setAttribute('data-leaf', leaf.slice(0, -2) + last);
              const badge = box.querySelector('[data-browser-verdict]');
              badge.removeAttribute('data-ok');
              const again = document.createElement('script');
              again.src = '/static/js/tlog-proof.js?again';
              document.body.appendChild(again);
            }"""
        )
        bad = page.locator("[data-testid=browser-verdict][data-ok=false]")
        bad.wait_for()
        assert bad.inner_text() == "검증 실패"

        # So does a checkpoint whose signature was altered, the leaf being right again.
        web.go(page.url.removeprefix(web.base_url))
        page.locator("[data-testid=browser-verdict][data-ok=true]").wait_for()
        page.evaluate(
            """() => {
              const box = document.querySelector('[data-tlog-proof]');
              const note = box.getAttribute('data-note');
              const at = note.lastIndexOf(' ') + 21; // in the signature, past the key ID
              const swapped = note[at] === 'A' ? 'B' : 'A';
              box.setAttribute('data-note', note.slice(0, at) + swapped + note.slice(at + 1));
              box.querySelector('[data-browser-verdict]').removeAttribute('data-ok');
              const again = document.createElement('script');
              again.src = '/static/js/tlog-proof.js?signature';
              document.body.appendChild(again);
            }"""
        )
        page.locator("[data-testid=browser-verdict][data-ok=false]").wait_for()
        assert web.console_errors == []
