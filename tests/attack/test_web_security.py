"""Web security (issue 6, "Attack and bad input", bullet 3): CSRF on every form, cookie flags,
security headers on every page and API answer, no secrets in the logs.

The routes are enumerated from the app's router, so a page or form added later is covered without
touching this file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import traceback
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from easypay.app import create_app
from easypay.certificate import service as certificate_service
from easypay.certificate.pki.custody import FAST_FOR_TESTS
from easypay.config import Settings
from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.identity.dependencies import SESSION_COOKIE
from easypay.merchant import service as merchant_service
from easypay.observability import configure_logging
from easypay.web.csrf import CSRF_COOKIE
from tests.attack.h4_support import (
    OPERATIONS,
    changed_tables,
    csrf_of,
    endpoints,
    get_pages,
    is_api,
    mounts,
    operator,
    snapshot,
    unsafe_pages,
    web_sign_in,
)
from tests.identity.builders import PASSWORD
from tests.money import builders as money_builders
from tests.transfer import builders as transfer_builders
from tests.web import helpers as web

CERT_PIN = "482915"
CARD_FORM = {
    "card_number": "9490-1200-0000-0012",
    "expiry": "1231",
    "birth_date": "900517",
    "password_two_digits": "12",
    "nickname": "생활비 카드",
}

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "easypay" / "web" / "templates"


def _client(
    app: FastAPI, address: str = "10.1.2.3", base_url: str = "http://testserver"
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 51000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@pytest.fixture
async def other(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app, "10.9.8.7") as http:
        yield http


def _refused(response: httpx.Response) -> bool:
    return response.status_code == 403 and "text/html" in response.headers["content-type"]


# --- CSRF ---------------------------------------------------------------------------------------


class TestCsrfOnEveryForm:
    def test_every_unsafe_route_outside_the_api_is_a_csrf_checked_page(self, app: FastAPI) -> None:
        """A cookie-authenticated unsafe route must go through the web router (WebRoute), which
        checks the token before the handler; everything else is the token-authenticated API."""
        unchecked = [
            str(e)
            for e in endpoints(app)
            if e.method not in ("GET",) and not e.is_page and not is_api(e.path)
        ]
        assert unchecked == []
        forms = unsafe_pages(app)
        assert len(forms) >= 60, len(forms)  # 68 forms when this was written
        assert all(not is_api(e.path) for e in forms)

    async def test_the_api_never_accepts_the_session_cookie(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        """The API is exempt from CSRF because a cookie alone never authenticates it: every
        unsafe API route answers a request carrying only a live session cookie with a 4xx."""
        await web_sign_in(client, await operator(database))
        assert client.cookies.get(SESSION_COOKIE)
        before = await snapshot(database)
        accepted = []
        unsafe_api = [e for e in endpoints(app) if is_api(e.path) and e.method != "GET"]
        assert len(unsafe_api) >= 70  # 74 when this was written
        for endpoint in unsafe_api:
            response = await client.request(endpoint.method, endpoint.url, json={})
            if endpoint.path == "/pki/ocsp":  # public by design: an OCSP error, signed by nobody
                assert response.headers["content-type"] == "application/ocsp-response"
                continue
            if not 400 <= response.status_code < 500:
                accepted.append((str(endpoint), response.status_code))
        assert accepted == []
        assert changed_tables(before, await snapshot(database)) == []

    async def test_signed_in_forms_refuse_a_missing_wrong_or_foreign_token(
        self, app: FastAPI, client: httpx.AsyncClient, other: httpx.AsyncClient, database: Database
    ) -> None:
        phone = await operator(database)
        await web_sign_in(client, phone)
        foreign = await web_sign_in(other, phone)  # the same operator's other session
        before = await snapshot(database)
        forms = unsafe_pages(app)
        accepted = []
        for form in forms:
            for token in (None, "0" * 64, foreign, ""):
                data = {"csrf_token": token} if token is not None else {}
                response = await client.request(form.method, form.url, data=data)
                if not _refused(response):
                    accepted.append((str(form), token, response.status_code))
            # the token as the htmx header is checked the same way
            response = await client.request(
                form.method, form.url, headers={"X-CSRF-Token": foreign, "HX-Request": "true"}
            )
            if not _refused(response):
                accepted.append((str(form), "header", response.status_code))
        assert accepted == []
        assert changed_tables(before, await snapshot(database)) == []
        # still signed in: nothing (sign-out included) went through
        assert (await client.get("/settings")).status_code == 200

    async def test_signed_out_forms_refuse_a_missing_wrong_or_foreign_token(
        self, app: FastAPI, client: httpx.AsyncClient, other: httpx.AsyncClient, database: Database
    ) -> None:
        await client.get("/signin")  # the double-submit nonce cookie is set
        assert client.cookies.get(CSRF_COOKIE)
        foreign = csrf_of((await other.get("/signin")).text)
        before = await snapshot(database)
        accepted = []
        for form in unsafe_pages(app):
            for token in (None, "0" * 64, foreign):
                data = {"csrf_token": token} if token is not None else {}
                response = await client.request(form.method, form.url, data=data)
                if not _refused(response):
                    accepted.append((str(form), token, response.status_code))
        assert accepted == []
        assert changed_tables(before, await snapshot(database)) == []

    async def test_a_token_is_refused_once_its_session_is_signed_out(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        phone = await operator(database)
        token = await web_sign_in(client, phone)
        old_session = client.cookies.get(SESSION_COOKIE)
        assert (await client.post("/signout", data={"csrf_token": token})).status_code == 303
        client.cookies.set(SESSION_COOKIE, old_session or "")
        response = await client.post("/settings", data={"language": "en", "csrf_token": token})
        assert response.status_code in (303, 403)
        assert "/settings?notice" not in response.headers.get("location", "")


# --- cookies ------------------------------------------------------------------------------------


def _set_cookies(response: httpx.Response, name: str) -> list[str]:
    return [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]


def _attributes(cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in cookie.split(";")]
    values = {}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        values[key.lower()] = value.lower()
    return values


async def _signed_in_cookies(
    app: FastAPI, database: Database, base_url: str = "http://testserver"
) -> dict[str, str]:
    """Sign in through the pages; the Set-Cookie of each cookie set on the way."""
    phone = await operator(database)
    found: dict[str, str] = {}
    async with _client(app, base_url=base_url) as http:
        page = await http.get("/signin")
        found[CSRF_COOKIE] = _set_cookies(page, CSRF_COOKIE)[0]
        response = await http.post(
            "/signin", data={"phone": phone, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
        )
        found[SESSION_COOKIE] = _set_cookies(response, SESSION_COOKIE)[0]
        token = csrf_of((await http.get("/settings")).text)
        response = await http.post("/lang", data={"lang": "en", "csrf_token": token})
        found["lang"] = _set_cookies(response, "lang")[0]
        response = await http.post("/signout", data={"csrf_token": token})
        found["signout"] = _set_cookies(response, SESSION_COOKIE)[0]
    return found


class TestCookieFlags:
    async def test_cookies_are_httponly_lax_and_site_wide(
        self, app: FastAPI, database: Database
    ) -> None:
        cookies = await _signed_in_cookies(app, database)
        for name, cookie in cookies.items():
            attributes = _attributes(cookie)
            assert "httponly" in attributes, name
            assert attributes.get("samesite") in ("lax", "strict"), name
            assert attributes.get("path") == "/", name
            assert "secure" not in attributes, name  # plain http base URL: browsers would drop it
        session = _attributes(cookies[SESSION_COOKIE])
        assert int(session["max-age"]) == 30 * 24 * 3600
        assert cookies["lang"].startswith("lang=en;")  # the language cookie is just the language
        assert "max-age=0" in cookies["signout"].lower() or "expires=" in cookies["signout"].lower()

    @pytest.mark.parametrize(
        "changes",
        [
            {"base_url": "https://pay.example.com"},
            {"secure_cookies": True},
        ],
        ids=["https-base-url", "secure-cookies-setting"],
    )
    async def test_cookies_are_secure_behind_https(
        self, settings: Settings, database: Database, changes: dict[str, object]
    ) -> None:
        secure = settings.model_copy(update=changes)
        application = create_app(secure)
        async with application.router.lifespan_context(application):
            cookies = await _signed_in_cookies(application, database, "https://testserver")
        for name, cookie in cookies.items():
            assert "secure" in _attributes(cookie), (name, cookie)

    async def test_demo_cookies_hold_no_secrets(self) -> None:
        """The demo shop keeps the tid and order id; the demo bank the receipt id and document:
        ids the shop/bank would keep in their own session, never a key or token."""
        for module in ("demo_shop", "demo_bank"):
            source = (TEMPLATES.parent / "pages" / f"{module}.py").read_text()
            calls = re.findall(r"set_cookie\((.*?)\)\n", source, re.S)
            assert calls, module
            for call in calls:
                assert not re.search(
                    r"(?i)key|secret|token|pin|password", call.split("json.dumps")[1]
                )


# --- security headers ---------------------------------------------------------------------------

SCRIPT_SRC = re.compile(r"script-src ([^;]+)")


def _header_problems(response: httpx.Response, where: str, csp: bool = True) -> list[str]:
    problems = []
    headers = response.headers
    if headers.get("x-content-type-options") != "nosniff":
        problems.append(f"{where}: no nosniff")
    if headers.get("referrer-policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"{where}: referrer-policy {headers.get('referrer-policy')}")
    policy = headers.get("content-security-policy", "")
    framed = headers.get("x-frame-options") == "DENY" or "frame-ancestors 'none'" in policy
    if not framed:
        problems.append(f"{where}: may be framed")
    if csp:
        if not policy:
            problems.append(f"{where}: no CSP")
        script = SCRIPT_SRC.search(policy) or re.search(r"default-src ([^;]+)", policy)
        if not script or "unsafe-inline" in script.group(1) or "unsafe-eval" in script.group(1):
            problems.append(f"{where}: scripts not restricted: {policy}")
        if "frame-ancestors 'none'" not in policy:
            problems.append(f"{where}: no frame-ancestors")
        if "object-src" not in policy and "default-src 'self'" not in policy:
            problems.append(f"{where}: objects not restricted")
    return problems


class TestSecurityHeaders:
    async def test_every_page_reachable_with_get(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        pages = get_pages(app)
        assert len(pages) >= 45, len(pages)  # 51 when this was written
        problems: list[str] = []
        anonymous = _client(app)
        await web_sign_in(client, await operator(database))
        async with anonymous:
            for page in pages:
                for who, http in (("operator", client), ("anonymous", anonymous)):
                    response = await http.get(page.url)
                    assert response.status_code < 500, (str(page), response.status_code)
                    problems += _header_problems(response, f"{who} GET {page.path}")
        assert problems == []

    async def test_every_api_and_operations_answer(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database
    ) -> None:
        """API answers are JSON, but a browser may still be pointed at one: nosniff, no framing,
        a referrer policy. Both an authorised and an anonymous call of every GET route."""
        await web_sign_in(client, await operator(database))
        token = (
            await client.post(
                "/api/v1/sessions",
                json={"phone": "+82" + "10" + "0" * 8, "password": PASSWORD},
            )
        ).status_code
        assert token in (401, 422)
        gets = [e for e in endpoints(app) if not e.is_page and e.method == "GET"]
        assert len(gets) >= 35, len(gets)
        problems: list[str] = []
        for endpoint in gets:
            for response in (
                await client.get(endpoint.url),
                await client.get(endpoint.url, headers={"Authorization": "Bearer nope"}),
            ):
                assert response.status_code < 500, (str(endpoint), response.status_code)
                problems += _header_problems(response, f"GET {endpoint.path}")
        # unsafe API answers (refusals) carry them too
        for endpoint in [e for e in endpoints(app) if is_api(e.path) and e.method != "GET"][:200]:
            response = await client.request(endpoint.method, endpoint.url, json={})
            problems += _header_problems(response, f"{endpoint.method} {endpoint.path}")
        for path in ("/static/app.css", "/nowhere", "/sandbox/bank/nowhere", *OPERATIONS):
            response = await client.get(path)
            problems += _header_problems(response, f"GET {path}")
        assert problems == []
        assert mounts(app)  # static files and the sandboxes are behind the same middleware

    async def test_the_checkout_widens_only_form_action(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        from easypay.security_headers import content_security_policy

        wide = content_security_policy(["https://shop.example"])
        assert "form-action 'self' https://shop.example;" in wide
        assert (
            _header_problems(
                httpx.Response(
                    200,
                    headers={
                        "content-security-policy": wide,
                        "x-content-type-options": "nosniff",
                        "referrer-policy": "same-origin",
                    },
                ),
                "checkout",
            )
            == []
        )

    def test_templates_have_no_inline_scripts_or_handlers(self) -> None:
        """script-src 'self' without nonces: any inline script or on* handler would be blocked,
        so none may exist (the pages use static/app.js)."""
        offenders = []
        for template in TEMPLATES.rglob("*.html"):
            text = template.read_text()
            for match in re.finditer(r"<script\b([^>]*)>", text):
                if "src=" not in match.group(1):
                    offenders.append(f"{template.name}: inline <script>")
            if re.search(r"\son[a-z]+\s*=", text):
                offenders.append(f"{template.name}: on* handler")
            if "javascript:" in text.lower():
                offenders.append(f"{template.name}: javascript: URL")
        assert offenders == []


# --- no secrets in the logs ---------------------------------------------------------------------


class _Raw(logging.Handler):
    """Every record as emitted, before any redaction: message, arguments, extras, traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = [repr(record.__dict__)]
        with contextlib.suppress(Exception):
            text.append(record.getMessage())
        if record.exc_info:
            text.append("".join(traceback.format_exception(*record.exc_info)))
        self.lines.append("\n".join(text))


@contextlib.contextmanager
def _production_logging() -> Iterator[tuple[_Raw, io.StringIO]]:
    """The app's own logging (`configure_logging`, JSON to a stream) at DEBUG for EasyPay's own
    loggers, plus a raw handler that sees every record before the redacting filter."""
    root = logging.getLogger()
    kept_handlers, kept_level = root.handlers[:], root.level
    named = ("easypay", "httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access")
    kept_named = {n: (logging.getLogger(n).level, logging.getLogger(n).disabled) for n in named}
    stream = io.StringIO()
    real_stderr = sys.stderr
    sys.stderr = stream
    try:
        configure_logging("INFO")
    finally:
        sys.stderr = real_stderr
    raw = _Raw()
    root.handlers.insert(0, raw)
    logging.getLogger("easypay").setLevel(logging.DEBUG)
    try:
        yield raw, stream
    finally:
        root.handlers[:] = kept_handlers
        root.setLevel(kept_level)
        for name, (level, disabled) in kept_named.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).disabled = disabled


def _secrets_in(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert found, testid
    return found.group(1)


class TestNoSecretsInLogs:
    async def test_secrets_and_pins_never_reach_the_logs(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(certificate_service, "ARGON", FAST_FOR_TESTS)
        caplog.set_level(logging.DEBUG, logger="easypay")
        secrets: dict[str, str] = {}
        with _production_logging() as (raw, stream):
            # sign-up, PIN set, a wrong PIN, sign-in: through the pages
            await web.sign_up_with_pin(client)
            secrets["password"] = web.PASSWORD
            secrets["pin"] = web.PIN
            secrets["session cookie"] = client.cookies[SESSION_COOKIE]
            secrets["csrf token"] = csrf_of((await client.get("/settings")).text)
            async with _client(app, "10.9.8.7") as second:
                wrong = await web.post_form(
                    second,
                    "/signin",
                    "/signin",
                    {"phone": web.PHONE, "password": "wrong-horse-99"},
                )
                assert wrong.status_code == 401
                secrets["wrong password"] = "wrong-horse-99"
            # the bank account and a charge with the PIN
            await web.open_sandbox_account(client, settings)
            assert (await web.link_account(client)).status_code == 303
            assert (await web.move(client, "charge", "50000")).status_code == 303
            refused = await web.move(client, "withdraw", "1000", pin="918273")
            assert refused.status_code in (400, 403, 422), refused.text
            secrets["wrong pin"] = "918273"
            # a card
            card = await web.post_form(
                client, "/cards/register", "/cards/register", {**CARD_FORM, "pin": web.PIN}
            )
            assert card.status_code == 303, card.text
            secrets["card number"] = CARD_FORM["card_number"].replace("-", "")
            secrets["card number (printed)"] = CARD_FORM["card_number"]
            # the API: a bearer token, a certificate with its PIN, a wrong certificate PIN
            signed = await client.post(
                "/api/v1/sessions", json={"phone": web.E164, "password": web.PASSWORD}
            )
            assert signed.status_code == 201, signed.text
            bearer = {"Authorization": f"Bearer {signed.json()['token']}"}
            secrets["bearer token"] = signed.json()["token"]
            issued = await client.post(
                "/api/v1/certificates",
                json={"payment_pin": web.PIN, "pin": CERT_PIN},
                headers=bearer,
            )
            assert issued.status_code == 201, issued.text
            secrets["certificate pin"] = CERT_PIN
            wrong_cert = await client.post(
                f"/api/v1/certificates/{issued.json()['id']}/verify-pin",
                json={"pin": "572048"},
                headers=bearer,
            )
            assert wrong_cert.status_code in (400, 403, 422), wrong_cert.text
            secrets["wrong certificate pin"] = "572048"
            # a merchant owned by this user: keys rotated through the page
            async with database.transaction() as session:
                owner = await identity_repository.user_by_phone(session, web.E164)
                assert owner is not None
                created = await merchant_service.create(
                    session, "초코상점", ["TC0ONETIME"], 250, owner=owner
                )
            secrets["first admin key"] = created.admin_key
            secrets["first secret key"] = created.secret_key
            rotated = await web.post_form(
                client, "/merchant/keys", "/merchant/keys/rotate", {"password": web.PASSWORD}
            )
            assert rotated.status_code == 200, rotated.text
            admin_key = _secrets_in(rotated.text, "admin-key")
            secrets["admin key"] = admin_key
            secrets["secret key"] = _secrets_in(rotated.text, "secret-key")
            shop = {"Authorization": f"SECRET_KEY {secrets['secret key']}"}
            # the webhook secret, made then rotated
            hook = await client.put(
                "/api/v1/merchant/webhook", json={"url": "https://shop.example/hook"}, headers=shop
            )
            assert hook.status_code == 200, hook.text
            secrets["webhook secret"] = hook.json()["secret"]
            hook = await client.post("/api/v1/merchant/webhook/secret", headers=shop)
            assert hook.status_code == 200, hook.text
            secrets["rotated webhook secret"] = hook.json()["secret"]
            # an institution key, made by an operator
            phone = await operator(database)
            op = await client.post("/api/v1/sessions", json={"phone": phone, "password": PASSWORD})
            operator_headers = {"Authorization": f"Bearer {op.json()['token']}"}
            secrets["operator token"] = op.json()["token"]
            made = await client.post(
                "/api/v1/admin/institutions", json={"name": "국민은행"}, headers=operator_headers
            )
            assert made.status_code == 201, made.text
            secrets["institution key"] = made.json()["api_key"]
            # a payment: ready (legacy admin key), checkout with the PIN, approve (pg_token)
            ready = await client.post(
                "/v1/payment/ready",
                data={
                    "cid": "TC0ONETIME",
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
            )
            assert ready.status_code == 200, ready.text
            tid = ready.json()["tid"]
            checkout = await client.get(f"/checkout/{tid}")
            paid = await client.post(
                f"/checkout/{tid}/pay",
                data={"csrf_token": csrf_of(checkout.text), "pin": web.PIN, "method": "MONEY"},
            )
            assert paid.status_code == 303, paid.text
            pg_token = parse_qs(urlsplit(paid.headers["location"]).query)["pg_token"][0]
            secrets["pg_token"] = pg_token
            approved = await client.post(
                "/v1/payment/approve",
                data={
                    "cid": "TC0ONETIME",
                    "tid": tid,
                    "partner_order_id": "o-1",
                    "partner_user_id": "u-1",
                    "pg_token": pg_token,
                },
                headers={"Authorization": f"KakaoAK {admin_key}"},
            )
            assert approved.status_code == 200, approved.text
            # a failing page (logged with its traceback) and a refused API call
            await client.post(
                "/api/v1/money/charges",
                json={"bank_link_id": 10**6, "amount": 5000, "pin": web.PIN},
                headers={**bearer, "Idempotency-Key": "k-1"},
            )
        captured = {
            "raw records": "\n".join(raw.lines),
            "caplog": "\n".join(f"{r.__dict__!r} {r.getMessage()}" for r in caplog.records),
            "json log": stream.getvalue(),
        }
        assert captured["json log"].count('"logger": "easypay.access"') >= 20
        assert all(len(value) >= 6 for value in secrets.values()), secrets
        leaks = [
            (what, where)
            for what, secret in secrets.items()
            for where, text in captured.items()
            if secret in text
        ]
        assert leaks == []


# --- rate limits --------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _app_with(settings: Settings, **changes: object) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update=changes))
    async with application.router.lifespan_context(application):
        yield application


def _too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "60"
    assert response.json()["error"] == "TooManyRequests"
    assert set(response.json()) == {"error", "detail"}


class TestRateLimits:
    def test_the_defaults(self, settings: Settings) -> None:
        defaults = Settings()
        assert defaults.signin_limit_per_phone == 10
        assert defaults.signin_limit_per_ip == 50
        assert defaults.pin_max_failures == 5
        assert defaults.rate_window_seconds == 300

    async def test_sign_in_per_phone_then_the_window_passes(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, fake_clock: Any
    ) -> None:
        phone = await operator(database)
        body = {"phone": phone, "password": "wrong-horse-00"}
        for _ in range(settings.signin_limit_per_phone):
            assert (await client.post("/api/v1/sessions", json=body)).status_code == 401
        before = await snapshot(database)
        # now even the right password is refused, from any address, over the API and the page
        right = {"phone": phone, "password": PASSWORD}
        _too_many(await client.post("/api/v1/sessions", json=right))
        async with _client(client._transport.app, "10.200.0.1") as elsewhere:  # type: ignore[attr-defined]
            _too_many(await elsewhere.post("/api/v1/sessions", json=right))
            page = await elsewhere.get("/signin")
            response = await elsewhere.post(
                "/signin", data={**right, "csrf_token": csrf_of(page.text)}
            )
            assert response.status_code == 429
            assert SESSION_COOKIE not in response.cookies
        assert changed_tables(before, await snapshot(database)) == []
        fake_clock.advance(seconds=settings.rate_window_seconds)  # type: ignore[attr-defined]
        assert (await client.post("/api/v1/sessions", json=right)).status_code == 201

    async def test_sign_in_per_address_ignores_forwarded_headers(
        self, settings: Settings, database: Database
    ) -> None:
        async with _app_with(settings, signin_limit_per_ip=3) as application:
            async with _client(application, "10.77.0.1") as attacker:
                for number in range(3):
                    response = await attacker.post(
                        "/api/v1/sessions",
                        json={"phone": f"010-5555-{number:04d}", "password": "x" * 12},
                        headers={"X-Forwarded-For": f"192.0.2.{number}"},
                    )
                    assert response.status_code == 401
                _too_many(
                    await attacker.post(
                        "/api/v1/sessions",
                        json={"phone": "010-5555-9999", "password": "x" * 12},
                        headers={"X-Forwarded-For": "192.0.2.200", "X-Real-IP": "192.0.2.201"},
                    )
                )
            phone = await operator(database)
            async with _client(application, "10.77.0.2") as someone_else:
                response = await someone_else.post(
                    "/api/v1/sessions", json={"phone": phone, "password": PASSWORD}
                )
                assert response.status_code == 201

    async def test_payment_pin_locks_after_five(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await transfer_builders.funded(
            client, await money_builders.person(client, database), 10_000
        )
        before = await snapshot(
            database, skip=frozenset({"rate_limit_counters", "users", "audit_events"})
        )
        answers = []
        for _ in range(5):
            response = await money_builders.withdraw(client, someone, 1000, pin="000001")
            answers.append(response.json()["error"])
        assert answers == ["WrongPin"] * 4 + ["PinLocked"]
        response = await money_builders.withdraw(client, someone, 1000)  # the right PIN
        assert response.status_code == 423
        assert response.json()["error"] == "PinLocked"
        assert (await money_builders.balance(client, someone))["balance"] == 10_000
        assert (
            changed_tables(
                before,
                await snapshot(
                    database, skip=frozenset({"rate_limit_counters", "users", "audit_events"})
                ),
            )
            == []
        )

    async def test_certificate_pin_locks_after_five(
        self, client: httpx.AsyncClient, database: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(certificate_service, "ARGON", FAST_FOR_TESTS)
        someone = await money_builders.person(client, database, link=False)
        issued = await client.post(
            "/api/v1/certificates",
            json={"payment_pin": money_builders.PIN, "pin": CERT_PIN},
            headers=someone.headers,
        )
        assert issued.status_code == 201, issued.text
        url = f"/api/v1/certificates/{issued.json()['id']}/verify-pin"
        codes = []
        for _ in range(5):
            response = await client.post(url, json={"pin": "572048"}, headers=someone.headers)
            codes.append(response.status_code)
        assert codes[:4] == [403] * 4, codes
        assert codes[4] in (403, 423), codes
        response = await client.post(url, json={"pin": CERT_PIN}, headers=someone.headers)
        assert response.status_code == 423, response.text
        assert response.json()["error"] == "CertificateLocked"

    async def test_certificate_sign_in_challenges_are_limited(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        phone = await operator(database)
        for _ in range(settings.signin_limit_per_phone):
            response = await client.post(
                "/api/v1/auth/certificate/challenge", json={"phone": phone}
            )
            assert response.status_code == 201, response.text
        _too_many(await client.post("/api/v1/auth/certificate/challenge", json={"phone": phone}))

    async def test_public_reads_write_nothing_and_are_bounded(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        """Why OCSP, /pki/crl, /pki/ca.pem and /tlog/* carry no rate limit: each is a bounded
        read (an indexed lookup, a cached CRL or checkpoint, at most 1,000 log entries, an OCSP
        body of at most 4 KiB) that writes nothing; a database-counted limit would add a write
        transaction to every one of them (on SQLite, queued behind every payment). The cached
        artefacts are made on first demand, so the second round must change nothing."""
        reads = [
            ("GET", "/pki/crl", b""),
            ("GET", "/pki/ca.pem", b""),
            ("GET", "/pki/crl/999", b""),
            ("POST", "/pki/ocsp", b"\x30\x03\x02\x01\x00"),
            ("POST", "/pki/ocsp", b"\x30" * 100_000),
            ("GET", "/tlog/checkpoint", b""),
            ("GET", "/tlog/key", b""),
            ("GET", "/tlog/entries?start=0&end=1000", b""),
            ("GET", "/tlog/proof/inclusion?index=0&size=1", b""),
            ("GET", "/tlog/proof/consistency?old=0&new=0", b""),
        ]
        for method, path, body in reads:  # first demand: the CRL and checkpoint are made
            assert (await client.request(method, path, content=body)).status_code < 500
        before = await snapshot(database, skip=frozenset())
        for _ in range(3):
            for method, path, body in reads:
                response = await client.request(method, path, content=body)
                assert response.status_code < 500, (path, response.status_code)
        assert changed_tables(before, await snapshot(database, skip=frozenset())) == []
        too_many = await client.get("/tlog/entries?start=0&end=1001")
        assert 400 <= too_many.status_code < 500, too_many.text  # at most 1,000 per call
        huge = await client.post("/pki/ocsp", content=b"\x30" * 100_000)
        assert huge.content == (await client.post("/pki/ocsp", content=b"x")).content
