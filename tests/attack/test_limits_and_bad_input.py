"""Limits and bad input (issue 6, "Attack and bad input", bullet 4): amounts at and beyond every
limit, Unicode and very long strings, malformed JSON and forms, duplicated parameters.

Every refusal is a clear 4xx in the answer's standard shape (the API's `{"error", "detail"}`, the
KakaoPay envelope on the payment wire, an HTML error page or the form again on pages) and leaves
the whole database as it was (every table compared before and after).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from easypay.config import Settings
from easypay.db import Database
from tests.attack.h4_support import changed_tables, snapshot
from tests.money import builders as money
from tests.money.builders import PIN, Person
from tests.payment import builders as payment
from tests.payment import pos_builders as pos
from tests.transfer import builders as transfer

Send = Callable[[], Awaitable[httpx.Response]]

# JSON values that are not a whole number of won (or are, but absurd).
NOT_AMOUNTS: list[Any] = [
    0,
    -1,
    -(10**30),
    10**30,
    2**63,
    1.5,
    1000.0,
    "1000",
    "1e3",
    True,
    False,
    None,
    [],
    [1000],
    {},
    {"amount": 1000},
]
HOSTILE_STRINGS = {
    "10k": "가" * 10_000,
    "nul": "김\x00민준",
}
ODD_BUT_TEXT = {
    "control": "a\x07b\x1b[31m",
    "rtl": "\u202eabc\u202c",
    "zero-width": "김\u200b민\u200d준",
    "emoji": "😀👨‍👩‍👧",
    "arabic": "مرحبا",
}


def api_shape(response: httpx.Response) -> None:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    assert isinstance(body["error"], str)
    assert isinstance(body["detail"], str)
    assert body["error"]
    assert body["detail"]


def kakao_shape(response: httpx.Response) -> None:
    payment.error_of(response)


def page_shape(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert "Traceback" not in response.text


async def refused(
    database: Database,
    send: Send,
    shape: Callable[[httpx.Response], None] = api_shape,
    statuses: tuple[int, ...] = tuple(range(400, 500)),
) -> httpx.Response:
    """Send; the answer is a 4xx of the expected shape and the database is unchanged."""
    before = await snapshot(database)
    response = await send()
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    shape(response)
    assert changed_tables(before, await snapshot(database)) == []
    return response


class Failures:
    """Run many cases, then report every one that failed (not just the first)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    async def check(self, label: str, run: Callable[[], Awaitable[Any]]) -> None:
        try:
            await run()
        except AssertionError as error:
            self.found.append(f"{label}: {str(error)[:300]}")

    def assert_none(self) -> None:
        assert self.found == [], "\n".join(self.found)


# --- amounts -----------------------------------------------------------------------------------


class TestAmountsOverTheApi:
    async def test_charge_and_withdraw_refuse_every_non_amount(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await transfer.funded(client, await money.person(client, database), 10_000)
        failures = Failures()
        for kind in ("charges", "withdrawals"):
            for value in NOT_AMOUNTS:

                async def send(kind: str = kind, value: Any = value) -> httpx.Response:
                    body = {"bank_link_id": someone.link_id, "amount": value, "pin": PIN}
                    return await client.post(
                        f"/api/v1/money/{kind}", json=body, headers=someone.with_key()
                    )

                await failures.check(f"{kind} {value!r}", lambda send=send: refused(database, send))
        failures.assert_none()

    async def test_charge_limits(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        """Smallest charge 1,000 and the 2,000,000 holding cap: 1 below refused, at accepted,
        1 above refused."""
        someone = await money.person(client, database, bank_balance=10_000_000)
        minimum, cap = settings.charge_min, settings.money_holding_cap

        async def charge(amount: int) -> httpx.Response:
            return await money.charge(client, someone, amount)

        await refused(database, lambda: charge(minimum - 1))
        assert (await charge(minimum)).status_code == 201
        await refused(database, lambda: charge(cap - minimum + 1))
        assert (await charge(cap - minimum)).status_code == 201
        assert (await money.balance(client, someone))["balance"] == cap
        await refused(database, lambda: charge(minimum))  # full: even the smallest is refused
        # withdraw: all of it is fine, one won more is not
        await refused(database, lambda: money.withdraw(client, someone, cap + 1))
        assert (await money.withdraw(client, someone, cap)).status_code == 201
        await refused(database, lambda: money.withdraw(client, someone, 1))

    async def test_transfer_refuses_every_non_amount(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        sender = await transfer.funded(client, await money.person(client, database), 10_000)
        friend = await money.person(client, database, name="이서연", link=False)
        failures = Failures()
        for value in NOT_AMOUNTS:

            async def send(value: Any = value) -> httpx.Response:
                body = {"phone": friend.phone, "amount": value, "pin": PIN, "message": ""}
                return await client.post("/api/v1/transfers", json=body, headers=sender.with_key())

            await failures.check(f"transfer {value!r}", lambda send=send: refused(database, send))
        failures.assert_none()

    async def test_transfer_limits(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        """2,000,000 per transfer and 5,000,000 a day: at is accepted, 1 won above refused."""
        sender = await money.person(client, database, bank_balance=20_000_000)
        friends = [
            await money.person(client, database, name=name, link=False)
            for name in ("이서연", "박지훈", "최유진")
        ]
        per, daily = settings.transfer_max_amount, settings.transfer_daily_limit

        async def give(amount: int, friend: Person) -> None:
            await transfer.funded(client, sender, amount)
            transfer_id = await transfer.sent(client, sender, amount, friend)
            response = await transfer.act(client, friend, transfer_id, "receive")
            assert response.status_code == 200, response.text

        await transfer.funded(client, sender, per)
        await refused(database, lambda: transfer.send(client, sender, per + 1, to=friends[0]))
        transfer_id = await transfer.sent(client, sender, per, friends[0])
        assert (await transfer.act(client, friends[0], transfer_id, "receive")).status_code == 200
        await give(per, friends[1])
        rest = daily - 2 * per
        await transfer.funded(client, sender, rest + 1)
        await refused(database, lambda: transfer.send(client, sender, rest + 1, to=friends[2]))
        assert (await transfer.send(client, sender, rest, to=friends[2])).status_code == 201
        await refused(database, lambda: transfer.send(client, sender, 1, to=friends[2]))
        # more than one has is refused before anything moves (auto-charge off)
        poor = await money.person(client, database, name="정하늘")
        response = await client.patch(
            "/api/v1/me/settings", json={"auto_charge_enabled": False}, headers=poor.headers
        )
        assert response.status_code == 200, response.text
        await refused(database, lambda: transfer.send(client, poor, 1, to=friends[2]))

    async def test_pos_payment_refuses_every_non_amount(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        shop = await payment.shop(database)
        buyer = await payment.buyer(client, database)
        code = await pos.code_for(database, buyer)
        failures = Failures()
        for value in [*NOT_AMOUNTS, 10**15 + 1]:
            await failures.check(
                f"pos {value!r}",
                lambda value=value: refused(
                    database, lambda: pos.charge(client, shop, code, amount=value)
                ),
            )
        for value in (-1, 5000, 10**30, "0", 1.5):  # tax-free part beyond the amount, or odd
            await failures.check(
                f"pos tax_free {value!r}",
                lambda value=value: refused(
                    database,
                    lambda: pos.charge(client, shop, code, amount=4500, tax_free_amount=value),
                ),
            )
        failures.assert_none()

    @pytest.mark.parametrize("form", payment.FORMS)
    async def test_ready_refuses_every_non_amount(
        self, client: httpx.AsyncClient, database: Database, form: payment.Form
    ) -> None:
        shop = await payment.shop(database)
        failures = Failures()
        values: list[Any] = [0, -1, 10**30, 10**15 + 1, "1.5", "abc", "", "1e3", "１０００"]
        if form == "json":
            values += [1.5, True, None, [], {}]
        for name in ("total_amount", "quantity", "tax_free_amount"):
            for value in values:
                if name == "tax_free_amount" and value in (0, ""):
                    continue  # a tax-free part of 0 (or none) is valid

                async def send(name: str = name, value: Any = value) -> httpx.Response:
                    params = payment.ready_params(shop, **{name: value})
                    if value is None or value == "":
                        params[name] = value
                    return await payment.call(client, shop, "ready", params, form)

                await failures.check(
                    f"{form} {name}={value!r}",
                    lambda send=send: refused(database, send, kakao_shape),
                )
        await failures.check(
            f"{form} tax-free over total",
            lambda: refused(
                database,
                lambda: payment.call(
                    client,
                    shop,
                    "ready",
                    payment.ready_params(shop, total_amount=1000, tax_free_amount=1001),
                    form,
                ),
                kakao_shape,
            ),
        )
        failures.assert_none()


class TestAmountsOnPages:
    """The web forms: amounts as people type them, and as nobody should."""

    async def test_charge_and_withdraw_forms(
        self, app: Any, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        from tests.web import helpers as web

        await web.sign_up_with_pin(client)
        await web.open_sandbox_account(client, settings)
        assert (await web.link_account(client)).status_code == 303
        assert (await web.move(client, "charge", "10,000원")).status_code == 303
        failures = Failures()
        bad = [
            "0",
            "-1000",
            "999",
            "2000001",
            "1" + "0" * 30,
            "1.5",
            "1e3",
            "１０００",  # full-width digits
            "٣٠٠٠",  # Arabic-Indic digits
            "",
            "abc",
            "1000\x00",
            "가" * 10_000,
        ]
        for kind in ("charge", "withdraw"):
            for value in bad:
                if kind == "withdraw" and value == "999":
                    continue  # no smallest withdrawal
                await failures.check(
                    f"{kind} {value[:20]!r}",
                    lambda kind=kind, value=value: refused(
                        database,
                        lambda: web.move(client, kind, value),
                        page_shape,
                    ),
                )
        failures.assert_none()
        assert await web.balance_of(client) == "10,000원"


# --- strings -----------------------------------------------------------------------------------


class TestStrings:
    async def test_sign_up_names(self, client: httpx.AsyncClient, database: Database) -> None:
        failures = Failures()
        for label, name in HOSTILE_STRINGS.items():
            body = {
                "phone": "010-7777-0001",
                "name": name,
                "birth_date": "1990-05-17",
                "password": "correct-horse-42",
            }
            await failures.check(
                f"name {label}",
                lambda body=body: refused(
                    database, lambda: client.post("/api/v1/users", json=body)
                ),
            )
        failures.assert_none()

    async def test_odd_but_real_text_is_kept_exactly_or_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        for number, (label, name) in enumerate(ODD_BUT_TEXT.items()):
            body = {
                "phone": f"010-7777-{number + 10:04d}",
                "name": name,
                "birth_date": "1990-05-17",
                "password": "correct-horse-42",
            }
            response = await client.post("/api/v1/users", json=body)
            assert response.status_code in (201, 422), (label, response.text)
            if response.status_code == 201:
                assert response.json()["name"] == name.strip(), label
            else:
                api_shape(response)

    async def test_transfer_messages(self, client: httpx.AsyncClient, database: Database) -> None:
        sender = await transfer.funded(client, await money.person(client, database), 10_000)
        friend = await money.person(client, database, name="이서연", link=False)
        failures = Failures()
        messages = {**HOSTILE_STRINGS, "41 chars": "가" * 41, "nul short": "\x00"}
        for label, message in messages.items():
            await failures.check(
                f"message {label}",
                lambda message=message: refused(
                    database,
                    lambda: transfer.send(client, sender, 1000, to=friend, message=message),
                ),
            )
        failures.assert_none()
        for label, message in ODD_BUT_TEXT.items():
            response = await transfer.send(client, sender, 1000, to=friend, message=message)
            assert response.status_code in (201, 422), (label, response.text)
            if response.status_code == 201:
                assert response.json()["message"] in (message, message.strip()), label
            else:
                api_shape(response)

    @pytest.mark.parametrize("form", payment.FORMS)
    async def test_ready_texts(
        self, client: httpx.AsyncClient, database: Database, form: payment.Form
    ) -> None:
        shop = await payment.shop(database)
        failures = Failures()
        wire_hostile = {**HOSTILE_STRINGS, "control": ODD_BUT_TEXT["control"]}
        if form == "query":  # a URL holds 10k ASCII characters, not 10k encoded Hangul
            wire_hostile["10k"] = "a" * 10_000
        for name in ("item_name", "partner_order_id", "partner_user_id", "approval_url"):
            for label, value in wire_hostile.items():
                await failures.check(
                    f"{form} {name} {label}",
                    lambda name=name, value=value: refused(
                        database,
                        lambda: payment.call(
                            client, shop, "ready", payment.ready_params(shop, **{name: value}), form
                        ),
                        kakao_shape,
                    ),
                )
        failures.assert_none()

    async def test_institution_and_webhook_texts(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        from tests.identity.builders import signed_up_operator

        operator = await signed_up_operator(client, database)
        shop = await payment.shop(database)
        failures = Failures()
        for label, value in HOSTILE_STRINGS.items():
            await failures.check(
                f"institution {label}",
                lambda value=value: refused(
                    database,
                    lambda: client.post(
                        "/api/v1/admin/institutions", json={"name": value}, headers=operator.headers
                    ),
                ),
            )
            await failures.check(
                f"webhook url {label}",
                lambda value=value: refused(
                    database,
                    lambda: client.put(
                        "/api/v1/merchant/webhook",
                        json={"url": f"https://shop.example/{value}"},
                        headers=shop.current,
                    ),
                ),
            )
        failures.assert_none()


# --- malformed bodies --------------------------------------------------------------------------

MALFORMED: dict[str, tuple[bytes, str]] = {
    "truncated": (b'{"amount": 1000, "pin": "7391', "application/json"),
    "array": (b'[{"amount": 1000}]', "application/json"),
    "string": (b'"amount"', "application/json"),
    "null": (b"null", "application/json"),
    "number": (b"1000", "application/json"),
    "empty": (b"", "application/json"),
    "not utf-8": (b'{"amount": "\xff\xfe"}', "application/json"),
    "lone surrogate": (b'{"amount": 1000, "pin": "\\ud800"}', "application/json"),
    "NaN": (b'{"amount": NaN}', "application/json"),
    "Infinity": (b'{"amount": Infinity}', "application/json"),
    "1e999": (b'{"amount": 1e999}', "application/json"),
    "deep": (b'{"amount": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json"),
    "text/plain": (b'{"amount": 1000}', "text/plain"),
    "form": (b"amount=1000&pin=739164", "application/x-www-form-urlencoded"),
    "no type": (b'{"amount": 1000}', ""),
}


class TestMalformedBodies:
    async def test_api_bodies(self, client: httpx.AsyncClient, database: Database) -> None:
        someone = await transfer.funded(client, await money.person(client, database), 10_000)
        failures = Failures()
        targets = [
            ("POST", "/api/v1/money/charges"),
            ("POST", "/api/v1/money/withdrawals"),
            ("POST", "/api/v1/transfers"),
            ("POST", "/api/v1/money-requests"),
            ("POST", "/api/v1/bank-transfers"),
            ("PUT", "/api/v1/me/pin"),
            ("POST", "/api/v1/cards"),
            ("POST", "/api/v1/certificates"),
            ("POST", "/api/v1/sessions"),
            ("POST", "/api/v1/users"),
        ]
        for method, path in targets:
            for label, (body, content_type) in MALFORMED.items():
                headers = {**someone.with_key()}
                if content_type:
                    headers["Content-Type"] = content_type

                async def send(
                    method: str = method, path: str = path, body: bytes = body, h: Any = headers
                ) -> httpx.Response:
                    return await client.request(method, path, content=body, headers=h)

                await failures.check(
                    f"{method} {path} {label}", lambda send=send: refused(database, send)
                )
        failures.assert_none()

    @pytest.mark.parametrize("path", ["/v1/payment/ready", "/online/v1/payment/ready"])
    async def test_wire_bodies(
        self, client: httpx.AsyncClient, database: Database, path: str
    ) -> None:
        shop = await payment.shop(database)
        auth = shop.legacy if path.startswith("/v1/") else shop.current
        failures = Failures()
        for label, (body, content_type) in MALFORMED.items():
            if label == "form":
                continue  # a form body is one of the wire's forms
            headers = {**auth}
            if content_type:
                headers["Content-Type"] = content_type
            await failures.check(
                label,
                lambda body=body, headers=headers: refused(
                    database,
                    lambda: client.post(path, content=body, headers=headers),
                    kakao_shape,
                ),
            )
        failures.assert_none()

    async def test_page_forms(self, client: httpx.AsyncClient, database: Database) -> None:
        """A page posted JSON, multipart with a file, or a truncated form: a 4xx page."""
        from tests.web import helpers as web

        await web.sign_up_with_pin(client)
        token = web.csrf_of((await client.get("/charge")).text)
        failures = Failures()
        cases: dict[str, dict[str, Any]] = {
            "json": {
                "content": json.dumps({"csrf_token": token, "amount": "1000"}),
                "headers": {"Content-Type": "application/json", "X-CSRF-Token": token},
            },
            "file as amount": {
                "data": {"csrf_token": token, "pin": PIN},
                "files": {"amount": ("a.txt", b"1000", "text/plain")},
            },
            "truncated": {
                "content": f"csrf_token={token}&amount=10%".encode(),
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            "not utf-8": {
                "content": f"csrf_token={token}&amount=%ff%fe".encode(),
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            "huge field": {"data": {"csrf_token": token, "amount": "1" * 1_000_000}},
        }
        for label, request in cases.items():
            await failures.check(
                label,
                lambda request=request: refused(
                    database,
                    lambda: client.post("/charge", **request),
                    page_shape,
                ),
            )
        failures.assert_none()


# --- duplicated parameters ---------------------------------------------------------------------


class TestDuplicatedParameters:
    """A request naming a parameter twice is refused on every surface, whichever value is good
    and whichever comes first (parsers disagree on which one counts): the API's 422, the wire's
    -2 / 400, the page's 422 'check your input'; nothing changes."""

    @staticmethod
    def duplicated(name: str) -> dict[str, str]:
        return {
            "error": "ValidationError",
            "detail": f"{name}: the parameter is given more than once",
        }

    async def test_json_bodies_of_every_value_moving_api(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await transfer.funded(client, await money.person(client, database), 10_000)
        friend = await money.person(client, database)
        shop = await payment.shop(database)
        code = await pos.code_for(database, someone)
        link, auth = someone.link_id, someone.with_key
        bodies: list[tuple[str, str, dict[str, str], str]] = [
            (
                "/api/v1/money/charges",
                f'{{"bank_link_id": {link}, "amount": 1000, "amount": 1000, "pin": "{PIN}"}}',
                auth(),
                "amount",
            ),
            (
                "/api/v1/money/withdrawals",
                f'{{"bank_link_id": {link}, "amount": 1000, "amount": -1, "pin": "{PIN}"}}',
                auth(),
                "amount",
            ),
            (
                "/api/v1/money/withdrawals",
                f'{{"bank_link_id": {link}, "amount": -1, "amount": 1000, "pin": "{PIN}"}}',
                auth(),
                "amount",
            ),
            (
                "/api/v1/transfers",
                f'{{"amount": 1000, "pin": "{PIN}", "phone": "{friend.phone}", '
                f'"phone": "{someone.phone}"}}',
                auth(),
                "phone",
            ),
            (  # the same name spelled with a JSON escape is the same name
                "/api/v1/transfers",
                f'{{"amount": 1000, "pin": "{PIN}", "phone": "{friend.phone}", '
                f'"\\u0061mount": 5000}}',
                auth(),
                "amount",
            ),
            (
                "/api/v1/pos/payments",
                f'{{"code": "{code}", "amount": 4500, "amount": 1, '
                f'"pos_request_id": "{pos.request_id()}", "item_name": "아메리카노"}}',
                shop.current,
                "amount",
            ),
            (  # nested: a share naming its amount twice
                "/api/v1/money-requests",
                f'{{"shares": [{{"phone": "{friend.phone}", "amount": 1000, "amount": 9000}}], '
                f'"message": "점심"}}',
                auth(),
                "amount",
            ),
        ]
        for path, body, headers, name in bodies:
            response = await refused(
                database,
                lambda path=path, body=body, headers=headers: client.post(
                    path,
                    content=body.encode(),
                    headers={**headers, "Content-Type": "application/json"},
                ),
                statuses=(422,),
            )
            assert response.json() == self.duplicated(name), (path, body)
        # The same calls without the duplicate still work.
        assert (await money.charge(client, someone, 1000)).status_code == 201
        assert (await pos.charge(client, shop, code)).status_code == 201

    async def test_query_strings(self, client: httpx.AsyncClient, database: Database) -> None:
        someone = await transfer.funded(client, await money.person(client, database), 10_000)
        for query, name in (
            ("limit=1&limit=100000", "limit"),
            ("limit=abc&limit=1", "limit"),
            ("cursor=1&cursor=x", "cursor"),
            ("limit=1&%6Cimit=2", "limit"),  # percent-encoded, the same name
            ("limit=&limit=1", "limit"),  # a blank value names it too
        ):
            response = await refused(
                database,
                lambda query=query: client.get(
                    f"/api/v1/money/history?{query}", headers=someone.headers
                ),
                statuses=(422,),
            )
            assert response.json() == self.duplicated(name), query
        # A list parameter may repeat: that is how a list is written in a query string.
        response = await client.get(
            "/api/v1/money/history?code=charge&code=withdrawal&limit=5", headers=someone.headers
        )
        assert response.status_code == 200, response.text
        assert [e["code"] for e in response.json()["items"]] == ["charge"]
        # On a value-moving call too, before anything runs.
        response = await refused(
            database,
            lambda: client.post(
                "/api/v1/money/charges?x=1&x=2",
                json={"bank_link_id": someone.link_id, "amount": 1000, "pin": PIN},
                headers=someone.with_key(),
            ),
            statuses=(422,),
        )
        assert response.json() == self.duplicated("x")

    @pytest.mark.parametrize("generation", ["legacy", "current"])
    async def test_wire_ready(
        self, client: httpx.AsyncClient, database: Database, generation: str
    ) -> None:
        """KakaoPay's documentation defines no merging of the query string and the body: a
        parameter twice anywhere (query, form, JSON at any depth, query and body) is -2."""
        shop = await payment.shop(database)
        legacy = generation == "legacy"
        path = "/v1/payment/ready" if legacy else "/online/v1/payment/ready"
        auth = shop.legacy if legacy else shop.current
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        json_type = {"Content-Type": "application/json"}

        def encoded(params: dict[str, Any]) -> str:
            return "&".join(f"{k}={v}" for k, v in params.items())

        params = payment.ready_params(shop)
        cases: list[tuple[str, str, bytes, dict[str, str], str]] = [
            # (label, query, body, content type, the duplicated name)
            ("query", encoded(params) + "&total_amount=-5", b"", form_type, "total_amount"),
            (
                "query, good last",
                encoded({**params, "total_amount": -5}) + "&total_amount=2200",
                b"",
                form_type,
                "total_amount",
            ),
            (
                "form",
                "",
                (encoded(params) + "&total_amount=3300").encode(),
                form_type,
                "total_amount",
            ),
            (
                "query and form",
                "total_amount=3300",
                encoded(params).encode(),
                form_type,
                "total_amount",
            ),
            (
                "json",
                "",
                json.dumps(params)[:-1].encode() + b', "total_amount": 1}',
                json_type,
                "total_amount",
            ),
            (
                "json nested",
                "",
                json.dumps({**params, "custom_json": {"a": 1}})
                .replace('{"a": 1}', '{"a": 1, "a": 2}')
                .encode(),
                json_type,
                "a",
            ),
            (
                "query and json",
                "total_amount=3300",
                json.dumps(params).encode(),
                json_type,
                "total_amount",
            ),
        ]
        for label, query, body, content_type, name in cases:
            url = f"{path}?{query}" if query else path
            response = await refused(
                database,
                lambda url=url, body=body, content_type=content_type: client.post(
                    url, content=body, headers={**auth, **content_type}
                ),
                kakao_shape,
                statuses=(400,),
            )
            body_json = response.json()
            message = body_json["msg" if legacy else "error_message"]
            assert payment.error_of(response) == -2, (label, body_json)
            assert message.startswith(f"{name} is given "), (label, message)
            assert body_json["extras"]["method_result_code"] == "InvalidParameter", body_json
        # Without the duplicate, each form works (the checks refuse nothing else).
        for form in payment.FORMS:
            if (form in ("query", "form")) == legacy:
                started = await payment.ready(client, shop, form)
                assert started.total == 2200

    async def test_page_form_post(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        """A page form naming a field twice: the 422 'check your input' page, nothing charged,
        whichever of the two values is good and whichever comes first."""
        from tests.web import helpers as web

        await web.sign_up_with_pin(client)
        await web.open_sandbox_account(client, settings)
        assert (await web.link_account(client)).status_code == 303
        page = await client.get("/charge")
        fields = {
            "csrf_token": web.csrf_of(page.text),
            "nonce": web.nonce_of(page.text),
            "link_id": await web.first_link_id(client),
            "pin": PIN,
        }
        for extra in (
            ["amount=-5", "amount=5000"],
            ["amount=5000", "amount=-5"],
            ["amount=5000", "amount=5000"],
            ["amount=5000", "pin=000000"],
            ["amount=5000", f"csrf_token={fields['csrf_token']}"],
        ):
            response = await refused(
                database,
                lambda extra=extra: client.post(
                    "/charge",
                    content="&".join([*(f"{k}={v}" for k, v in fields.items()), *extra]).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                ),
                page_shape,
                statuses=(422,),
            )
            assert "입력한 내용을 확인해 주세요" in response.text, extra
        assert await web.balance_of(client) == "0원"
        # The same form without the duplicate charges once.
        response = await client.post(
            "/charge",
            content="&".join([*(f"{k}={v}" for k, v in fields.items()), "amount=5000"]).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 303, response.text
        assert await web.balance_of(client) == "5,000원"


class TestTextsBeforeSideEffects:
    """Texts stored after an outside call (the card issuer) or a ledger move must be refused
    before it: otherwise the refusal comes too late and something already changed."""

    async def test_pos_item_names(self, client: httpx.AsyncClient, database: Database) -> None:
        shop = await payment.shop(database)
        buyer = await payment.buyer(client, database)
        code = await pos.code_for(database, buyer)
        failures = Failures()
        for label, value in {**HOSTILE_STRINGS, "101 chars": "가" * 101}.items():
            await failures.check(
                f"item_name {label}",
                lambda value=value: refused(
                    database, lambda: pos.charge(client, shop, code, item_name=value)
                ),
            )
            await failures.check(
                f"pos_request_id {label}",
                lambda value=value: refused(
                    database, lambda: pos.charge(client, shop, code, pos_request_id=value)
                ),
            )
        failures.assert_none()
        assert (await pos.charge(client, shop, code)).status_code == 201  # the code still works

    async def test_card_nicknames(self, client: httpx.AsyncClient, database: Database) -> None:
        from tests.card.builders import register_card

        someone = await money.person(client, database, link=False)
        failures = Failures()
        for label, value in {**HOSTILE_STRINGS, "41 chars": "가" * 41}.items():
            await failures.check(
                f"nickname {label}",
                lambda value=value: refused(
                    database, lambda: register_card(client, someone, nickname=value)
                ),
            )
        failures.assert_none()
