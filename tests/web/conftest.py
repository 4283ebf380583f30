"""Fixtures of the web tests: a headless Chromium (Debian's, driven by Playwright) and builders
that prepare data for browser tests, which are sync functions."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from easypay.config import Settings
from easypay.db import Database
from easypay.identity import service as identity
from tests.conftest import LiveServer
from tests.web.helpers import (
    FRIEND_NAME,
    FRIEND_PHONE,
    STRANGER_NAME,
    STRANGER_PHONE,
    bank_headers,
    link_account,
    move,
    post_form,
    sandbox_account_body,
    sign_up_with_pin,
)
from tests.web.helpers import (
    open_sandbox_account as open_account_in_process,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE_VIEWPORT = {"width": 375, "height": 812}

OPERATOR_PHONE = "010-9000-0001"
OPERATOR_PASSWORD = "operator-pass-1"


class Browsing:
    """A page in a fresh browser context, collecting console errors (CSP violations included)."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def go(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """Save a PNG under test-artifacts/. A full page is taken with the window as tall as
        the page, so the sticky tab bar sits where a scrolled-down phone shows it."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        size = self.page.viewport_size
        height = self.page.evaluate("document.documentElement.scrollHeight")
        if full_page and size is not None and height > size["height"]:
            self.page.set_viewport_size({"width": size["width"], "height": height})
            self.page.screenshot(path=str(path))
            self.page.set_viewport_size(size)
        else:
            self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def web(
    live_server: LiveServer, database: Database, request: pytest.FixtureRequest
) -> Iterator[Browsing]:
    """A fresh Chromium per test, started after (and stopped before) the async fixtures: the
    Playwright sync API marks an event loop as running on this thread while it is alive, which
    pytest-asyncio's own loop cannot share. (`database` is requested so that the session's async
    fixtures are set up before the per-test cleanup needs them.)"""
    if not CHROMIUM.exists():
        message = (
            "BROWSER TESTS SKIPPED: /usr/bin/chromium is missing "
            "(install it with `apt-get install -y chromium`)"
        )
        print(f"\n!!! {message} !!!", file=sys.stderr)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=PHONE_VIEWPORT, locale="ko-KR", device_scale_factor=2
        )
        context.set_default_timeout(10_000)
        browsing = Browsing(context.new_page(), live_server.url)
        try:
            yield browsing
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:  # what the page showed when it failed
                browsing.screenshot(f"failed-{request.node.name}")
        finally:
            context.close()
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.report_call = report  # type: ignore[attr-defined]
    return report


@pytest.fixture
def open_sandbox_account(live_server: LiveServer, settings: Settings) -> Any:
    """Open (and fund) an account at the sandbox bank through its admin API."""

    def open_account(**kwargs: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{live_server.url}/sandbox/bank/_sandbox/accounts",
            json=sandbox_account_body(**kwargs),
            headers=bank_headers(settings),
            timeout=10,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return open_account


@pytest.fixture
async def operator(database: Database) -> None:
    await make_operator(database)


@pytest.fixture
async def other_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser: its own cookies."""
    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 52000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def sender(client: httpx.AsyncClient, settings: Settings) -> httpx.AsyncClient:
    """김민준: a PIN, a linked account and 100,000원 of Pay Money."""
    await sign_up_with_pin(client)
    await open_account_in_process(client, settings, balance=5_000_000)
    assert (await link_account(client)).status_code == 303
    assert (await move(client, "charge", "100000")).status_code == 303
    return client


@pytest.fixture
async def friend(other_client: httpx.AsyncClient, sender: httpx.AsyncClient) -> httpx.AsyncClient:
    """이서연, with a PIN, in 김민준's friends."""
    await sign_up_with_pin(other_client, phone=FRIEND_PHONE, name=FRIEND_NAME)
    added = await post_form(sender, "/friends", "/friends", {"phone": FRIEND_PHONE})
    assert added.status_code == 303, added.text
    return other_client


@pytest.fixture
async def stranger(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A third person, in neither's friends."""
    transport = httpx.ASGITransport(app=app, client=("10.5.5.5", 53000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await sign_up_with_pin(http, phone=STRANGER_PHONE, name=STRANGER_NAME)
        yield http


async def make_operator(database: Database) -> None:
    async with database.transaction() as session:
        await identity.sign_up(
            session, OPERATOR_PHONE, "운영자", date(1985, 3, 1), OPERATOR_PASSWORD, is_operator=True
        )
