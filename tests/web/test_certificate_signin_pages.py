"""The "인증서로 로그인" page: phone + certificate PIN, CSRF, `next`, the session cookie, and
errors that say what to do without telling which phones have a certificate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from easypay.certificate import service
from easypay.certificate.pki.custody import FAST_FOR_TESTS
from easypay.db import Database
from easypay.identity.dependencies import SESSION_COOKIE
from easypay.models import CertificateEvent, UserSession
from easypay.web.visitor import LANG_COOKIE
from tests.money.builders import PIN, Person, person
from tests.web.helpers import csrf_of

CERT_PIN = "482915"
WRONG_PIN = "111111"


@pytest.fixture(autouse=True)
def fast_argon(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(service, "ARGON", FAST_FOR_TESTS)
    return


async def holder(client: httpx.AsyncClient, database: Database) -> tuple[Person, dict[str, Any]]:
    """Someone with a server-held certificate, set up over the API (the client stays signed out)."""
    who = await person(client, database, link=False)
    response = await client.post(
        "/api/v1/certificates", json={"payment_pin": PIN, "pin": CERT_PIN}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    return who, response.json()


async def sign_in(
    client: httpx.AsyncClient, phone: str, pin: str = CERT_PIN, next_url: str = "/", **extra: str
) -> httpx.Response:
    page = await client.get(f"/signin/certificate?next={next_url}")
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf_of(page.text), "phone": phone, "pin": pin, "next": next_url}
    return await client.post("/signin/certificate", data={**form, **extra})


def error_of(page: httpx.Response) -> str:
    start = page.text.index('data-testid="form-error">') + len('data-testid="form-error">')
    return page.text[start : page.text.index("</div>", start)]


class TestThePage:
    async def test_the_password_page_links_to_it(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/signin?next=/history")
        assert 'href="/signin/certificate?next=/history"' in page.text
        assert "인증서로 로그인" in page.text
        page = await client.get("/signin/certificate")
        assert page.status_code == 200
        assert 'action="/signin/certificate"' in page.text
        assert csrf_of(page.text)
        assert 'name="pin"' in page.text
        assert 'href="/signin"' in page.text

    async def test_english(self, client: httpx.AsyncClient, database: Database) -> None:
        client.cookies.set(LANG_COOKIE, "en")
        page = await client.get("/signin/certificate")
        assert "Sign in with your certificate" in page.text
        assert "Certificate PIN" in page.text
        page = await sign_in(client, "010-5555-0707", WRONG_PIN)
        assert error_of(page) == (
            "The phone number or certificate PIN is wrong. 4 more wrong and it locks."
        )

    async def test_a_signed_in_visitor_is_sent_on(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        who, _ = await holder(client, database)
        assert (await sign_in(client, who.phone)).status_code == 303
        page = await client.get("/signin/certificate?next=/history")
        assert page.status_code == 303
        assert page.headers["location"] == "/history"


class TestSignIn:
    async def test_signs_in_sets_the_cookie_and_lands_on_next(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        who, certificate = await holder(client, database)
        response = await sign_in(client, who.phone, next_url="/history")
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/history"
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
        )
        assert "HttpOnly" in cookie
        home = await client.get("/")
        assert home.status_code == 200
        assert 'data-testid="balance"' in home.text
        async with database.transaction() as session:
            kinds = (
                await session.execute(
                    select(UserSession.kind).where(UserSession.user_id == who.user_id)
                )
            ).scalars()
            assert sorted(kinds) == ["api", "web"]
            event = (
                await session.execute(
                    select(CertificateEvent).where(CertificateEvent.kind == "signin")
                )
            ).scalar_one()
        assert event.certificate_id == certificate["id"]
        assert event.detail == {"custody": "server", "channel": "web"}

    async def test_an_outside_next_goes_home(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        who, _ = await holder(client, database)
        response = await sign_in(client, who.phone, next_url="https://evil.example/")
        assert response.status_code == 303
        assert response.headers["location"] == "/"

    async def test_without_the_csrf_token_nothing_happens(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        who, _ = await holder(client, database)
        await client.get("/signin/certificate")
        response = await client.post(
            "/signin/certificate", data={"phone": who.phone, "pin": CERT_PIN, "next": "/"}
        )
        assert response.status_code == 403
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
        async with database.transaction() as session:
            events = (await session.execute(select(CertificateEvent.kind))).scalars().all()
        assert list(events) == ["issued"]


class TestErrors:
    async def test_a_wrong_pin_says_how_many_tries_are_left(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        who, _ = await holder(client, database)
        page = await sign_in(client, who.phone, WRONG_PIN)
        assert page.status_code == 403
        assert error_of(page) == (
            "휴대폰 번호 또는 인증서 비밀번호가 맞지 않습니다. 4번 더 틀리면 인증서가 잠깁니다."
        )
        assert f'value="{who.phone}"' in page.text  # the phone is kept, the PIN is not
        assert WRONG_PIN not in page.text
        assert SESSION_COOKIE not in page.headers.get("set-cookie", "")

    async def test_a_phone_without_a_certificate_reads_the_same(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        member = await person(client, database, link=False)
        for phone in (member.phone, "010-5555-0909"):
            page = await sign_in(client, phone, WRONG_PIN)
            assert page.status_code == 403
            assert "4번 더 틀리면 인증서가 잠깁니다" in error_of(page)

    async def test_the_fifth_wrong_pin_locks(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        who, _ = await holder(client, database)
        for _ in range(4):
            assert (await sign_in(client, who.phone, WRONG_PIN)).status_code == 403
        page = await sign_in(client, who.phone, WRONG_PIN)
        assert page.status_code == 423
        assert "인증서가 잠겼습니다" in error_of(page)
        page = await sign_in(client, who.phone)
        assert page.status_code == 423

    async def test_a_suspended_certificate_is_explained(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        who, certificate = await holder(client, database)
        response = await client.post(
            f"/api/v1/certificates/{certificate['id']}/suspend", headers=who.headers
        )
        assert response.status_code == 200
        page = await sign_in(client, who.phone)
        assert page.status_code == 403
        assert "정지된 인증서입니다" in error_of(page)
        assert SESSION_COOKIE not in page.headers.get("set-cookie", "")

    @pytest.mark.parametrize(
        ("phone", "pin", "expected"),
        [
            ("", CERT_PIN, "휴대폰 번호"),
            ("010-1234-5678", "", "인증서 비밀번호 6자리"),
            ("010-1234-5678", "12345", "인증서 비밀번호 6자리"),
            ("010-1234-5678", "12345x", "인증서 비밀번호 6자리"),
            ("010-1234-5678", "1234567", "인증서 비밀번호 6자리"),
        ],
    )
    async def test_missing_or_malformed_input(
        self, client: httpx.AsyncClient, phone: str, pin: str, expected: str
    ) -> None:
        page = await sign_in(client, phone, pin)
        assert page.status_code == 422
        assert expected in error_of(page)

    async def test_a_malformed_phone(self, client: httpx.AsyncClient) -> None:
        page = await sign_in(client, "not a phone")
        assert page.status_code == 422
        assert "휴대폰 번호를 올바르게 입력해 주세요" in error_of(page)

    async def test_too_many_attempts(
        self, client: httpx.AsyncClient, database: Database, settings: Any
    ) -> None:
        who, _ = await holder(client, database)
        for _ in range(settings.signin_limit_per_phone):
            await sign_in(client, "010-5555-0808", WRONG_PIN)
        page = await sign_in(client, "010-5555-0808", WRONG_PIN)
        assert page.status_code == 429
        assert "시도가 너무 많습니다" in error_of(page)
        # Another phone is not held back by it.
        assert (await sign_in(client, who.phone)).status_code == 303
