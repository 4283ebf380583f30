"""Signing up, in and out, the language, and the payment PIN pages."""

from __future__ import annotations

import httpx

from easypay.app import create_app
from easypay.config import Settings
from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.identity.dependencies import SESSION_COOKIE
from easypay.models import User
from tests.web.helpers import (
    BIRTH,
    E164,
    NAME,
    PASSWORD,
    PHONE,
    PIN,
    post_form,
    sign_up,
    sign_up_with_pin,
)


async def stored_user(database: Database) -> User:
    async with database.transaction() as session:
        user = await identity_repository.user_by_phone(session, E164)
    assert user is not None
    return user


async def sign_in(
    client: httpx.AsyncClient, password: str = PASSWORD, next_url: str = "/"
) -> httpx.Response:
    return await post_form(
        client, "/signin", "/signin", {"phone": PHONE, "password": password, "next": next_url}
    )


def signup_form(**changes: str) -> dict[str, str]:
    form = {
        "phone": PHONE,
        "name": NAME,
        "birth_date": BIRTH,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    return {**form, **changes}


class TestSignedOut:
    async def test_pages_send_a_visitor_to_sign_in(self, client: httpx.AsyncClient) -> None:
        home = await client.get("/")
        assert home.status_code == 303
        assert home.headers["location"] == "/signin"
        history = await client.get("/history?kind=charge")
        assert history.headers["location"] == "/signin?next=/history%3Fkind%3Dcharge"

    async def test_htmx_requests_are_redirected_by_header(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/history", headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response.headers["HX-Redirect"] == "/signin?next=/history"

    async def test_korean_by_default(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/signin")
        assert '<html lang="ko">' in page.text
        assert "로그인" in page.text


class TestSignUp:
    async def test_signs_in_and_asks_for_a_pin(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await sign_up(client)
        assert response.headers["location"] == "/pin/set"
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie
        user = await stored_user(database)
        assert user.name == NAME
        assert user.pin_hash is None
        page = await client.get("/pin/set")
        assert page.status_code == 200
        assert "2/3" in page.text

    async def test_password_confirmation_must_match(self, client: httpx.AsyncClient) -> None:
        response = await post_form(
            client, "/signup", "/signup", signup_form(password_confirm="other-horse-42")
        )
        assert response.status_code == 422
        assert "비밀번호가 서로 다릅니다" in response.text
        assert f'value="{NAME}"' in response.text  # what was typed stays
        assert PASSWORD not in response.text  # but never the password

    async def test_a_taken_phone_is_explained(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await sign_up(client)
        response = await post_form(other_client, "/signup", "/signup", signup_form())
        assert response.status_code == 409
        assert "이미 가입된 휴대폰 번호입니다" in response.text

    async def test_service_rules_read_as_korean(self, client: httpx.AsyncClient) -> None:
        cases = [
            (signup_form(password="short1", password_confirm="short1"), "비밀번호는 8자 이상"),
            (signup_form(phone="12"), "휴대폰 번호를 올바르게"),
            (signup_form(birth_date="2020-01-01"), "만 14세 이상"),
            (signup_form(birth_date="1990-13-45"), "생년월일을 올바르게"),
            (signup_form(name=""), "빠진 항목이 있습니다: 이름"),
        ]
        for form, message in cases:
            response = await post_form(client, "/signup", "/signup", form)
            assert response.status_code == 422, form
            assert message in response.text, form
            assert "Traceback" not in response.text

    async def test_the_chosen_language_is_remembered(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await post_form(client, "/signup", "/lang", {"lang": "en", "next": "/signup"})
        await sign_up(client)
        assert (await stored_user(database)).language == "en"


class TestSignIn:
    async def test_goes_back_where_it_was_sent_from(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        client.cookies.clear()
        response = await sign_in(client, next_url="/history")
        assert response.status_code == 303
        assert response.headers["location"] == "/history"

    async def test_never_redirects_off_site(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            client.cookies.clear()
            response = await sign_in(client, next_url=target)
            assert response.headers["location"] == "/", target

    async def test_without_a_pin_goes_to_set_it(self, client: httpx.AsyncClient) -> None:
        await sign_up(client)
        client.cookies.clear()
        response = await sign_in(client)
        assert response.headers["location"] == "/pin/set"

    async def test_a_wrong_password_is_explained(self, client: httpx.AsyncClient) -> None:
        await sign_up(client)
        client.cookies.clear()
        response = await sign_in(client, password="wrong-horse-42")
        assert response.status_code == 401
        assert "휴대폰 번호 또는 비밀번호가 맞지 않습니다" in response.text
        assert (await client.get("/")).status_code == 303

    async def test_a_signed_in_visitor_skips_the_form(self, client: httpx.AsyncClient) -> None:
        await sign_up(client)
        response = await client.get("/signin")
        assert response.status_code == 303
        assert response.headers["location"] == "/"

    async def test_sign_out_revokes_the_session(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        token = client.cookies[SESSION_COOKIE]
        response = await post_form(client, "/settings", "/signout", {})
        assert response.headers["location"] == "/signin?notice=signed_out"
        assert SESSION_COOKIE not in client.cookies
        client.cookies.set(SESSION_COOKIE, token)  # the old cookie no longer works
        home = await client.get("/")
        assert home.status_code == 303
        assert home.headers["location"] == "/signin"
        assert "로그아웃했습니다" in (await client.get("/signin?notice=signed_out")).text


class TestLanguage:
    async def test_switching_sets_a_cookie_and_comes_back(self, client: httpx.AsyncClient) -> None:
        response = await post_form(client, "/signin", "/lang", {"lang": "en", "next": "/signin"})
        assert response.status_code == 303
        assert response.headers["location"] == "/signin"
        assert client.cookies["lang"] == "en"
        page = await client.get("/signin")
        assert '<html lang="en">' in page.text
        assert "Sign in" in page.text

    async def test_a_signed_in_users_choice_follows_them(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await sign_up_with_pin(client)
        await post_form(client, "/", "/lang", {"lang": "en", "next": "/"})
        assert "Hello, 김민준" in (await client.get("/")).text
        await sign_in(other_client)  # another browser, no language cookie
        assert "Hello, 김민준" in (await other_client.get("/")).text


class TestPin:
    async def test_set_then_link_an_account(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up(client)
        response = await post_form(client, "/pin/set", "/pin/set", {"pin": PIN, "pin_confirm": PIN})
        assert response.headers["location"] == "/accounts/link?notice=pin_set"
        assert (await stored_user(database)).pin_hash is not None
        again = await client.get("/pin/set")
        assert again.headers["location"] == "/pin/change"

    async def test_weak_or_mismatched_pins_are_explained(self, client: httpx.AsyncClient) -> None:
        await sign_up(client)
        for pin, confirm, message in (
            ("123456", "123456", "연속 숫자"),
            ("900517", "900517", "생년월일"),
            ("12ab56", "12ab56", "숫자 6자리"),
            (PIN, "739165", "결제 비밀번호가 서로 다릅니다"),
        ):
            response = await post_form(
                client, "/pin/set", "/pin/set", {"pin": pin, "pin_confirm": confirm}
            )
            assert response.status_code == 422, pin
            assert message in response.text, pin

    async def test_change_needs_the_old_pin(self, client: httpx.AsyncClient) -> None:
        await sign_up_with_pin(client)
        wrong = await post_form(
            client,
            "/pin/change",
            "/pin/change",
            {"old_pin": "000001", "pin": "284613", "pin_confirm": "284613"},
        )
        assert wrong.status_code == 403
        assert "결제 비밀번호가 틀렸습니다. 4번 더 틀리면" in wrong.text
        right = await post_form(
            client,
            "/pin/change",
            "/pin/change",
            {"old_pin": PIN, "pin": "284613", "pin_confirm": "284613"},
        )
        assert right.headers["location"] == "/settings?notice=pin_changed"

    async def test_reset_with_the_password_unlocks(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await sign_up_with_pin(client)
        for _ in range(5):
            await post_form(
                client,
                "/pin/change",
                "/pin/change",
                {"old_pin": "000001", "pin": "284613", "pin_confirm": "284613"},
            )
        assert (await stored_user(database)).pin_locked_at is not None
        assert "결제가 잠겼습니다" in (await client.get("/")).text

        wrong = await post_form(
            client,
            "/pin/reset",
            "/pin/reset",
            {"password": "wrong-horse-42", "pin": "284613", "pin_confirm": "284613"},
        )
        assert wrong.status_code == 401
        right = await post_form(
            client,
            "/pin/reset",
            "/pin/reset",
            {"password": PASSWORD, "pin": "284613", "pin_confirm": "284613"},
        )
        assert right.headers["location"] == "/settings?notice=pin_reset"
        assert (await stored_user(database)).pin_locked_at is None


class TestSecureCookies:
    async def test_cookies_are_secure_behind_https(
        self, settings: Settings, database: Database
    ) -> None:
        secure_app = create_app(settings.model_copy(update={"secure_cookies": True}))
        async with secure_app.router.lifespan_context(secure_app):
            transport = httpx.ASGITransport(app=secure_app)
            async with httpx.AsyncClient(
                transport=transport, base_url="https://testserver"
            ) as http:
                first = await http.get("/signin")
                assert all("Secure" in c for c in first.headers.get_list("set-cookie"))
                response = await sign_up(http)
                session = next(
                    c
                    for c in response.headers.get_list("set-cookie")
                    if c.startswith(SESSION_COOKIE)
                )
                assert "Secure" in session
                assert "HttpOnly" in session
