"""Signing in with the certificate in a real Chromium: from the password page's tab to the
wallet, and a wrong certificate PIN explained on the form."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from easypay.certificate import service
from easypay.certificate.pki.custody import FAST_FOR_TESTS
from tests.conftest import LiveServer
from tests.web.conftest import Browsing
from tests.web.helpers import BIRTH, NAME, PASSWORD, PHONE, PIN

pytestmark = pytest.mark.browser

CERT_PIN = "482915"


@pytest.fixture(autouse=True)
def fast_argon(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(service, "ARGON", FAST_FOR_TESTS)
    return


def certificate_holder(live_server: LiveServer) -> None:
    """김민준 with a payment PIN and a server-held certificate, set up over the live API."""
    with httpx.Client(base_url=live_server.url, timeout=10) as api:
        body = {"phone": PHONE, "name": NAME, "birth_date": BIRTH, "password": PASSWORD}
        assert api.post("/api/v1/users", json=body).status_code == 201
        signed_in = api.post("/api/v1/sessions", json={"phone": PHONE, "password": PASSWORD})
        assert signed_in.status_code == 201
        headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
        assert api.put("/api/v1/me/pin", json={"pin": PIN}, headers=headers).status_code == 204
        issued = api.post(
            "/api/v1/certificates", json={"payment_pin": PIN, "pin": CERT_PIN}, headers=headers
        )
        assert issued.status_code == 201, issued.text


class TestCertificateSignIn:
    def test_from_the_tab_to_the_wallet(self, web: Browsing, live_server: LiveServer) -> None:
        certificate_holder(live_server)
        page = web.page
        web.go("/signin")
        web.screenshot("signin-tabs-375", full_page=False)
        page.click("[data-testid=certificate-signin]")
        page.wait_for_url("**/signin/certificate")
        assert page.inner_text("h1") == "인증서로 로그인"
        page.fill("#phone", PHONE)
        page.fill("#pin", "111111")
        page.click("main button[type=submit]")
        error = page.inner_text("[data-testid=form-error]")
        assert "4번 더 틀리면 인증서가 잠깁니다" in error
        assert page.input_value("#phone") == PHONE
        web.screenshot("certificate-signin-wrong-pin-375", full_page=False)
        # The refusal is a 403 page, which Chromium logs as a failed load: expected, not a fault.
        assert web.console_errors == [
            "Failed to load resource: the server responded with a status of 403 (Forbidden)"
        ]
        web.console_errors.clear()

        page.fill("#pin", CERT_PIN)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        assert page.inner_text("[data-testid=balance]") == "0원"
        web.screenshot("certificate-signin-wallet-375", full_page=False)
        assert web.console_errors == []
