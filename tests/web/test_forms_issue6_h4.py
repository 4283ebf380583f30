"""Issue 6 (H4) regressions on the pages: a form with a control character (NUL: a 500 on
PostgreSQL) is refused before the page acts; a multipart post's spooled files are closed at
once; cookies are Secure whenever the app is served over HTTPS."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from easypay.app import create_app
from easypay.config import Settings
from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.identity.dependencies import SESSION_COOKIE
from tests.attack.h4_support import changed_tables, snapshot
from tests.web.helpers import BIRTH, E164, PASSWORD, PHONE, csrf_of, sign_up_with_pin


@pytest.mark.parametrize("name", ["김\x00민준", "김민준\x1b[2J", "\x7f"])
async def test_sign_up_with_control_characters_creates_nothing(
    client: httpx.AsyncClient, database: Database, name: str
) -> None:
    page = await client.get("/signup")
    before = await snapshot(database)
    response = await client.post(
        "/signup",
        data={
            "phone": PHONE,
            "name": name,
            "birth_date": BIRTH,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "입력한 내용을 확인해 주세요" in response.text
    assert changed_tables(before, await snapshot(database)) == []
    async with database.transaction() as session:
        assert await identity_repository.user_by_phone(session, E164) is None


async def test_a_memo_with_nul_on_the_send_page_changes_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    await sign_up_with_pin(client)
    page = await client.get("/transfers/send")
    before = await snapshot(database)
    response = await client.post(
        "/transfers/send/review",
        data={
            "csrf_token": csrf_of(page.text),
            "to": "phone",
            "phone": "010-2345-6789",
            "amount": "1000",
            "message": "점심\x00",
        },
    )
    assert response.status_code == 422, response.text
    assert changed_tables(before, await snapshot(database)) == []


async def test_line_breaks_and_tabs_are_fine(client: httpx.AsyncClient) -> None:
    page = await client.get("/signup")
    response = await client.post(
        "/signup",
        data={
            "phone": PHONE,
            "name": "김민준\t",
            "birth_date": BIRTH,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.status_code == 303, response.text


async def test_a_multipart_post_with_files_leaves_no_open_file(
    client: httpx.AsyncClient,
) -> None:
    """pytest turns the unclosed SpooledTemporaryFile's ResourceWarning into an error."""
    await sign_up_with_pin(client)
    token = csrf_of((await client.get("/charge")).text)
    for _ in range(3):
        response = await client.post(
            "/charge",
            data={"csrf_token": token},
            files={"amount": ("a.txt", b"1000" * 400_000, "text/plain")},  # spooled to disk
        )
        assert 400 <= response.status_code < 500


def test_cookies_are_secure_over_https(settings: Settings) -> None:
    assert not settings.cookies_secure  # the tests' http://127.0.0.1
    assert settings.model_copy(update={"base_url": "https://pay.example"}).cookies_secure
    assert settings.model_copy(update={"base_url": "HTTPS://pay.example"}).cookies_secure
    assert settings.model_copy(update={"secure_cookies": True}).cookies_secure


async def test_the_session_cookie_is_secure_behind_an_https_base_url(
    settings: Settings, database: Database
) -> None:
    application: FastAPI = create_app(settings.model_copy(update={"base_url": "https://pay.ex"}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            await sign_up_with_pin(http)
            page = await http.get("/settings")
            response = await http.post(
                "/lang", data={"lang": "en", "csrf_token": csrf_of(page.text)}
            )
            cookie = response.headers["set-cookie"]
            assert "secure" in cookie.lower(), cookie
            response = await http.post("/signout", data={"csrf_token": csrf_of(page.text)})
            cleared = [c for c in response.headers.get_list("set-cookie") if SESSION_COOKIE in c]
            assert cleared
            assert all("secure" in c.lower() for c in cleared), cleared


async def test_the_api_docs_have_a_policy_without_unsafe_inline_scripts(
    client: httpx.AsyncClient,
) -> None:
    """/docs was served with no CSP at all (Swagger UI's inline start-up script)."""
    import base64
    import hashlib
    import re

    response = await client.get("/docs")
    policy = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", policy)
    assert script_src
    assert "unsafe-inline" not in script_src.group(1)
    assert "frame-ancestors 'none'" in policy
    inline = re.search(r"<script>(.*?)</script>", response.text, re.S)
    assert inline
    digest = base64.b64encode(hashlib.sha256(inline.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in script_src.group(1)
