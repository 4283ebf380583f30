"""Duplicated parameters (issue 6, H5): the finders of `kit.parameters`, the JSON APIs'
middleware `duplicates.DuplicatedParameters` at the ASGI level (chunked, oversized, list
parameters), and refusals on the value-moving calls not covered by
`test_limits_and_bad_input.TestDuplicatedParameters` (wire approve and cancel, PIN change,
transparency log reads). Every refusal leaves the database as it was."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from easypay.config import Settings
from easypay.db import Database
from easypay.duplicates import DuplicatedParameters
from easypay.kit import parameters
from tests.attack.test_limits_and_bad_input import kakao_shape, refused
from tests.money import builders as money
from tests.money.builders import PIN
from tests.payment import builders as payment


def duplicated(name: str) -> dict[str, str]:
    return {"error": "ValidationError", "detail": f"{name}: the parameter is given more than once"}


class TestFinders:
    @pytest.mark.parametrize(
        ("query", "found"),
        [
            ("", None),
            ("a=1", None),
            ("a=1&b=2&c=3", None),
            ("a=1&a=2", "a"),
            ("a=1&b=2&a=1", "a"),
            ("a=&a=1", "a"),
            ("a&a", "a"),
            ("a=1&&b=2", None),
            ("a=1&%61=2", "a"),
            ("a+b=1&a%20b=2", "a b"),
            ("%ED%95%9C=1&한=2", "한"),
            ("a=%26&b=%26", None),  # the same value twice is fine
        ],
    )
    def test_query(self, query: str, found: str | None) -> None:
        assert parameters.repeated_in_query(query) == found

    def test_names_in_query(self) -> None:
        assert parameters.names_in_query("a=1&b=&c&&%64=4&e+f=5") == {"a", "b", "c", "d", "e f"}

    def test_query_list_parameters_may_repeat(self) -> None:
        allowed = frozenset({"code"})
        assert parameters.repeated_in_query("code=a&code=b&limit=1", allowed) is None
        assert parameters.repeated_in_query("code=a&code=b&limit=1&limit=2", allowed) == "limit"

    @pytest.mark.parametrize(
        ("body", "found"),
        [
            (b'{"a": 1, "b": 2}', None),
            (b'{"a": 1, "a": 1}', "a"),
            (b'{"a": "a"}', None),  # a value equal to a key: parsed, nothing repeated
            (b'{"a": {"x": 1}, "b": {"x": 2}}', None),  # the same key in two objects
            (b'{"a": {"x": 1, "x": 2}}', "x"),
            (b'[{"a": 1}, {"a": 1, "a": 2}]', "a"),
            (b'{"\\u0061": 1, "a": 2}', "a"),
            (b'{"a\\"": 1, "a\\"": 2}', 'a"'),
            (b'{"a/b": 1, "a\\/b": 2}', "a/b"),
            (b'{"m": "\\uc810\\uc2ec", "x": "\xec\xa0\x90\xec\x8b\xac"}', None),  # same values
            (b'{"\\ud55c": 1, "\xed\x95\x9c": 2}', "한"),  # escaped and raw UTF-8
            (b'{"\\ud800": 1, "b": 2}', None),  # a lone surrogate
            ('{"a": 1, "a": 2}'.encode("utf-16"), "a"),
            ('{"한": 1, "한": 2}'.encode(), "한"),
            (b'\xef\xbb\xbf{"a": 1, "a": 2}', "a"),
            (b"", None),
            (b"not json", None),
            (b'{"a": 1, "a": ', None),  # malformed: the endpoint refuses it
            (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b', "a": 1}', None),
        ],
    )
    def test_json(self, body: bytes, found: str | None) -> None:
        assert parameters.repeated_in_json(body) == found

    def test_loads_refuses_at_any_depth(self) -> None:
        assert parameters.loads('{"a": [1, {"b": {"c": 2}}]}') == {"a": [1, {"b": {"c": 2}}]}
        with pytest.raises(parameters.RepeatedName) as raised:
            parameters.loads('{"a": [1, {"b": {"c": 2, "c": 3}}]}')
        assert raised.value.name == "c"
        assert isinstance(raised.value, ValueError)


class Recorder:
    """An ASGI app that reads the whole body and answers 200 with it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.bodies.append(b"".join(chunks))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def run(
    middleware: DuplicatedParameters,
    chunks: list[bytes],
    *,
    path: str = "/api/v1/x",
    query: bytes = b"",
    content_type: bytes = b"application/json",
) -> tuple[int, bytes]:
    incoming: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query,
        "headers": [(b"content-type", content_type)] if content_type else [],
    }
    await middleware(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


class TestMiddleware:
    async def test_chunked_body_is_checked_whole_and_passed_on_whole(self) -> None:
        app = Recorder()
        middleware = DuplicatedParameters(app)
        body = b'{"amount": 1000, "pin": "739164"}'
        assert await run(middleware, [body[:5], body[5:20], body[20:]]) == (200, b"ok")
        assert app.bodies == [body]
        status, answer = await run(middleware, [b'{"amount": 1, ', b'"amount": 2}'])
        assert (status, json.loads(answer)) == (422, duplicated("amount"))
        assert len(app.bodies) == 1  # the app never saw it

    async def test_a_body_over_the_limit_is_passed_on_unchecked(self) -> None:
        """Never buffered beyond the limit: the endpoint's own limit refuses it (413)."""
        app = Recorder()
        middleware = DuplicatedParameters(app, max_body=10)
        chunks = [b'{"a": 1, ', b'"a": 2, ', b'"b": 3}']
        assert await run(middleware, chunks) == (200, b"ok")
        assert app.bodies == [b"".join(chunks)]

    async def test_only_json_bodies_and_only_the_json_apis(self) -> None:
        app = Recorder()
        middleware = DuplicatedParameters(app)
        twice = b'{"a": 1, "a": 2}'
        assert (await run(middleware, [twice], content_type=b"text/plain"))[0] == 200
        assert (await run(middleware, [twice], content_type=b""))[0] == 200
        assert (await run(middleware, [twice], path="/charge"))[0] == 200
        assert (await run(middleware, [twice], path="/online/v1/payment/ready"))[0] == 200
        for content_type in (b"application/json", b"Application/JSON; charset=utf-8"):
            assert (await run(middleware, [twice], content_type=content_type))[0] == 422
        assert (await run(middleware, [twice], content_type=b"application/merge-patch+json"))[
            0
        ] == 422
        assert (await run(middleware, [twice], path="/tlog/entries"))[0] == 422
        status, _ = await run(middleware, [b""], path="/pki/crl", query=b"a=1&a=2")
        assert status == 422


class TestOtherCalls:
    async def test_openapi_list_parameters_are_the_only_ones_that_may_repeat(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        someone = await money.person(client, database)
        response = await client.get(
            "/api/v1/money/history?code=charge&code=charge", headers=someone.headers
        )
        assert response.status_code == 200, response.text
        response = await client.get(
            "/api/v1/money/balance?code=charge&code=charge", headers=someone.headers
        )
        assert (response.status_code, response.json()) == (422, duplicated("code"))

    async def test_pin_change(self, client: httpx.AsyncClient, database: Database) -> None:
        someone = await money.person(client, database)
        response = await refused(
            database,
            lambda: client.put(
                "/api/v1/me/pin",
                content=f'{{"pin": "{PIN}", "pin": "{PIN}"}}'.encode(),
                headers={**someone.headers, "Content-Type": "application/json"},
            ),
            statuses=(422,),
        )
        assert response.json() == duplicated("pin")

    async def test_transparency_log_reads(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.get("/tlog/entries?start=0&end=1&end=2")
        assert (response.status_code, response.json()) == (422, duplicated("end"))

    @pytest.mark.parametrize("form", payment.FORMS)
    async def test_wire_approve_and_cancel(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        form: payment.Form,
    ) -> None:
        shop = await payment.shop(database)
        buyer = await payment.buyer(client, database)
        started = await payment.ready(client, shop, form)
        token = await payment.authorise(database, settings, buyer, started.tid)
        params = started.approve_params(shop, token)
        legacy = form in ("query", "form")
        path = "/v1/payment" if legacy else "/online/v1/payment"
        auth = shop.legacy if legacy else shop.current

        def post(action: str, params: dict[str, Any], name: str, value: Any) -> Any:
            """Call `action` with `params` plus `name` once more, in this test's form."""
            if legacy:
                text = "&".join(f"{k}={v}" for k, v in params.items()) + f"&{name}={value}"
                in_query = form == "query"
                return client.post(
                    f"{path}/{action}?{text}" if in_query else f"{path}/{action}",
                    content=b"" if in_query else text.encode(),
                    headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
                )
            text = json.dumps(params)[:-1] + f", {json.dumps(name)}: {json.dumps(value)}}}"
            return client.post(
                f"{path}/{action}",
                content=text.encode(),
                headers={**auth, "Content-Type": "application/json"},
            )

        response = await refused(
            database,
            lambda: post("approve", params, "pg_token", token),
            kakao_shape,
            statuses=(400,),
        )
        assert payment.error_of(response) == -2
        response = await payment.approve(client, shop, started, token, form)
        assert response.status_code == 200, response.text

        before = await payment.money_balance(client, buyer)
        cancel = {"cid": shop.cid, "tid": started.tid, "cancel_amount": 1000}
        cancel["cancel_tax_free_amount"] = 0
        # A partial cancel of 1,000 and a full one of 2,200: neither happens.
        response = await refused(
            database,
            lambda: post("cancel", cancel, "cancel_amount", 2200),
            kakao_shape,
            statuses=(400,),
        )
        assert payment.error_of(response) == -2
        assert await payment.money_balance(client, buyer) == before
        order = await payment.order(client, shop, started.tid, form)
        assert order["status"] == "SUCCESS_PAYMENT", order
