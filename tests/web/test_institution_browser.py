"""The operator's institution and log pages in a real headless Chromium: create an institution
and see its key once, suspend it (after a confirm), then open the log and verify it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from easypay.db import Database
from tests.certificate.lifecycle_support import fast_argon, issue, someone
from tests.conftest import LiveServer
from tests.money.builders import Person
from tests.web.conftest import OPERATOR_PASSWORD, OPERATOR_PHONE, Browsing
from tests.web.test_browser import sign_in

__all__ = ["fast_argon"]

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
async def certificate_holder(client: httpx.AsyncClient, database: Database) -> Person:
    """Someone with a certificate, so the log has an entry."""
    who = await someone(client, database, "김서연")
    await issue(client, who)
    return who


def key_answer(live_server: LiveServer, key: str) -> int:
    """401 for a refused key; 404 (no such receipt) once the key is accepted."""
    response = httpx.get(
        f"{live_server.url}/api/v1/institution/sign-requests/SR0000",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    return response.status_code


class TestOperatorConsole:
    def test_create_see_the_key_once_suspend_and_verify_the_log(
        self,
        operator: None,
        certificate_holder: Person,
        live_server: LiveServer,
        web: Browsing,
    ) -> None:
        page = web.page
        questions: list[str] = []

        def accept(dialog: Any) -> None:
            questions.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        sign_in(web, OPERATOR_PHONE, OPERATOR_PASSWORD)
        page.wait_for_url(lambda url: "/signin" not in url)

        web.go("/admin/institutions")
        page.click("a[href='/admin/institutions'][aria-current=page]")
        page.fill("#name", "국민은행")
        page.click("[data-testid=create-institution] button[type=submit]")
        page.wait_for_selector("[data-testid=new-key]")
        key = page.inner_text("[data-testid=api-key]")
        assert key.startswith("inst_")
        assert "한 번만" in page.inner_text("[data-testid=new-key]")
        web.screenshot("institution-key-shown-once")
        assert key_answer(live_server, key) == 404

        page.set_viewport_size(DESKTOP)
        web.go("/admin/institutions")
        row = page.locator("[data-testid=admin-institution-row]", has_text="국민은행")
        assert row.get_attribute("data-status") == "active"
        web.screenshot("institution-list", full_page=False)
        row.locator("a").click()
        page.wait_for_selector("[data-testid=institution]")
        assert key not in page.content()
        assert page.locator("[data-testid=api-key]").count() == 0

        page.click("[data-testid=suspend]")
        page.wait_for_url("**/admin/institutions/*?notice=institutions.suspended")
        assert questions
        assert "정지" in questions[0]
        assert page.get_attribute("[data-testid=institution]", "data-status") == "suspended"
        assert page.is_visible("[data-testid=reactivate]")
        web.screenshot("institution-suspended")
        assert key_answer(live_server, key) == 401

        page.click("a[href='/admin/tlog']")
        page.wait_for_url("**/admin/tlog")
        assert page.get_attribute("[data-testid=tlog-size]", "data-size") == "1"
        assert page.get_attribute("[data-testid=tlog-entry]", "data-kind") == "issued"
        assert page.inner_text("[data-testid=tlog-checkpoint-note]").splitlines()[1] == "1"
        page.click("[data-testid=tlog-verify] button[type=submit]")
        page.wait_for_selector("[data-testid=tlog-verify-result]")
        result = page.locator("[data-testid=tlog-verify-result]")
        assert result.get_attribute("data-ok") == "true"
        assert "로그가 온전합니다" in result.inner_text()
        web.screenshot("tlog-verified")
        page.set_viewport_size({"width": 375, "height": 812})
        web.screenshot("tlog-verified-phone")
        assert web.console_errors == []
