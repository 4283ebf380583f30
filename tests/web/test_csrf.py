"""Every form carries a CSRF token; a missing, wrong or foreign one is a 403 page and nothing
changes."""

from __future__ import annotations

import httpx

from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.web.csrf import CSRF_COOKIE
from tests.web.helpers import (
    BIRTH,
    E164,
    NAME,
    PASSWORD,
    PHONE,
    csrf_of,
    post_form,
    sign_up,
)

SIGN_UP = {
    "phone": PHONE,
    "name": NAME,
    "birth_date": BIRTH,
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}


async def user_exists(database: Database) -> bool:
    async with database.transaction() as session:
        return await identity_repository.user_by_phone(session, E164) is not None


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "보안 확인에 실패해 아무것도 바뀌지 않았습니다" in response.text


class TestSignedOutForms:
    async def test_the_first_page_sets_an_httponly_csrf_cookie(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/signin")
        cookie = next(c for c in response.headers.get_list("set-cookie") if CSRF_COOKIE in c)
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert csrf_of(response.text)

    async def test_sign_up_without_a_token_creates_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await client.get("/signup")
        assert_refused(await client.post("/signup", data=SIGN_UP))
        assert not await user_exists(database)

    async def test_a_wrong_token_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await client.get("/signup")
        assert_refused(await client.post("/signup", data={**SIGN_UP, "csrf_token": "0" * 64}))
        assert not await user_exists(database)

    async def test_another_browsers_token_is_refused(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, database: Database
    ) -> None:
        token = csrf_of((await client.get("/signup")).text)
        await other_client.get("/signup")
        assert_refused(await other_client.post("/signup", data={**SIGN_UP, "csrf_token": token}))
        assert not await user_exists(database)

    async def test_a_token_without_its_cookie_is_refused(self, client: httpx.AsyncClient) -> None:
        token = csrf_of((await client.get("/signin")).text)
        client.cookies.clear()
        response = await client.post(
            "/signin", data={"phone": PHONE, "password": PASSWORD, "csrf_token": token}
        )
        assert_refused(response)

    async def test_the_language_switch_needs_a_token(self, client: httpx.AsyncClient) -> None:
        await client.get("/signin")
        assert_refused(await client.post("/lang", data={"lang": "en"}))
        assert "로그인" in (await client.get("/signin")).text


class TestSignedInForms:
    async def test_a_post_without_a_token_changes_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up(client)
        assert_refused(await client.post("/settings", data={"language": "en"}))
        assert_refused(await client.post("/signout"))
        page = await client.get("/settings")
        assert page.status_code == 200  # still signed in
        assert 'lang="ko"' in page.text
        async with database.transaction() as session:
            user = await identity_repository.user_by_phone(session, E164)
        assert user is not None
        assert user.auto_charge_enabled
        assert user.language == "ko"

    async def test_the_signed_out_token_stops_working_after_sign_in(
        self, client: httpx.AsyncClient
    ) -> None:
        anonymous = csrf_of((await client.get("/signin")).text)
        await sign_up(client)
        signed_in = csrf_of((await client.get("/settings")).text)
        assert signed_in != anonymous
        assert_refused(
            await client.post("/settings", data={"language": "en", "csrf_token": anonymous})
        )

    async def test_each_session_has_its_own_token(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await sign_up(client)
        response = await post_form(
            other_client, "/signin", "/signin", {"phone": PHONE, "password": PASSWORD}
        )
        assert response.status_code == 303
        first = csrf_of((await client.get("/settings")).text)
        second = csrf_of((await other_client.get("/settings")).text)
        assert first != second
        assert_refused(await other_client.post("/signout", data={"csrf_token": first}))

    async def test_htmx_requests_may_send_the_token_as_a_header(
        self, client: httpx.AsyncClient
    ) -> None:
        await sign_up(client)
        token = csrf_of((await client.get("/settings")).text)
        response = await client.post(
            "/settings",
            data={"language": "en", "auto_charge": "on"},
            headers={"X-CSRF-Token": token, "HX-Request": "true"},
        )
        assert response.status_code == 200
        assert response.headers["HX-Redirect"] == "/settings?notice=settings_saved"
