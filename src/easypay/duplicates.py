"""Refusing a JSON API request that names a parameter twice (issue 6, "duplicated parameters").

`DuplicatedParameters` is a small ASGI middleware in front of the JSON APIs (`/api/`, `/tlog/`,
`/pki/`): a query string naming a parameter twice, or a JSON body with an object (at any depth)
naming a key twice, is answered 422 `{"error": "ValidationError", "detail": "<name>: ..."}`
before anything runs, so nothing changes. List parameters of the OpenAPI description (e.g.
`code` of `GET /api/v1/money/history`) may repeat in the query string.

The KakaoPay wire (`payment/wire.py`) and the pages (`web/forms.py`) refuse in their own shapes.

Cost on the hot path: a query string without `&` is not looked at; a JSON body is buffered (it
is read whole by the endpoint anyway, and never beyond `max_body`) and parsed only when two of
its strings are equal (see `kit.parameters.repeated_in_json`).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from easypay.errors import error_body
from easypay.kit.parameters import repeated_in_json, repeated_in_query

CHECKED_PATHS = ("/api/", "/tlog/", "/pki/")


def _is_json(content_type: bytes) -> bool:
    media = content_type.partition(b";")[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def refusal(name: str) -> JSONResponse:
    return JSONResponse(
        error_body("ValidationError", f"{name}: the parameter is given more than once"), 422
    )


class DuplicatedParameters:
    def __init__(self, app: ASGIApp, max_body: int = 1_048_576) -> None:
        self.app = app
        self.max_body = max_body
        self._lists: list[tuple[re.Pattern[str], frozenset[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(CHECKED_PATHS):
            await self.app(scope, receive, send)
            return
        query: bytes = scope["query_string"]
        if b"&" in query:
            text = query.decode("latin-1")
            name = repeated_in_query(text)
            if name is not None:  # rare: now see whether it is a list parameter
                name = repeated_in_query(text, self._list_parameters(scope))
            if name is not None:
                await refusal(name)(scope, receive, send)
                return
        content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
        if not content_type or not _is_json(content_type):
            await self.app(scope, receive, send)
            return
        messages, body = await self._buffer(receive)
        if body is not None:
            name = repeated_in_json(body)
            if name is not None:
                await refusal(name)(scope, receive, send)
                return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _buffer(self, receive: Receive) -> tuple[list[Message], bytes | None]:
        """The request's messages so far and its whole body; the body is None when it is larger
        than `max_body` (the endpoint's own limit refuses it) or the client went away."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages, None
            size += len(message.get("body", b""))
            if size > self.max_body:
                return messages, None
            if not message.get("more_body", False):
                break
        if len(messages) == 1:
            return messages, messages[0].get("body", b"")
        return messages, b"".join(m.get("body", b"") for m in messages)

    def _list_parameters(self, scope: Scope) -> frozenset[str]:
        """Query parameters of this path that are lists (they may repeat)."""
        if self._lists is None:
            openapi = getattr(scope.get("app"), "openapi", None)
            self._lists = _list_parameters_of(openapi()) if openapi is not None else []
        path: str = scope["path"]
        for pattern, names in self._lists:
            if pattern.fullmatch(path):
                return names
        return frozenset()


def _is_array(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "array":
        return True
    return any(_is_array(s) for k in ("anyOf", "oneOf", "allOf") for s in schema.get(k, ()))


def _list_parameters_of(openapi: dict[str, Any]) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    found = []
    for path, operations in openapi.get("paths", {}).items():
        names = {
            parameter["name"]
            for operation in operations.values()
            if isinstance(operation, dict)
            for parameter in operation.get("parameters", ())
            if parameter.get("in") == "query" and _is_array(parameter.get("schema"))
        }
        if names:
            pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path))
            found.append((re.compile(pattern), frozenset(names)))
    return found
