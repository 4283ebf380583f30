"""Declaring idempotency on an endpoint: the `Idempotent` dependency plus `@idempotent`.

    @router.post("/charges", status_code=201)
    @idempotent
    async def charge(body: ChargeCreate, user: CurrentUser, db: DbSession,
                     idem: Idempotent) -> ChargeRead: ...

The dependency reads the `Idempotency-Key` header and claims the key for the caller (the signed-in
user, or whoever `request.state.idempotency_scope` names); the decorator saves the answer in the
request transaction, or drops the claim when the endpoint fails.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import Database, database_of
from easypay.idempotency import service
from easypay.idempotency.errors import IdempotencyKeyMissing
from easypay.kit.crypto import sha256_hex

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAY_HEADER = "Idempotent-Replayed"


class IdempotencyContext:
    """One call's key, read from the request; claimed only once the request is valid."""

    def __init__(
        self,
        database: Database,
        scope: str,
        endpoint: str,
        key: str,
        request_hash: str,
        status_code: int,
    ) -> None:
        self.database = database
        self.scope = scope
        self.endpoint = endpoint
        self.key = key
        self.request_hash = request_hash
        self.status_code = status_code

    def request_key(self, action: str) -> str:
        """A key for work this call starts elsewhere (a bank call), unique to caller and key."""
        return f"{action}:{self.scope}:{self.key}"

    async def claim(self) -> service.Claim:
        return await service.begin(
            self.database, self.scope, self.endpoint, self.key, self.request_hash
        )


async def _read_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Makes the call safe to retry: the same key with the same request "
            "returns the first answer; with a different request, 409.",
            examples=["5f0c2a3e-charge-1"],
        ),
    ] = None,
) -> IdempotencyContext:
    if idempotency_key is None or not KEY_PATTERN.match(idempotency_key):
        raise IdempotencyKeyMissing()
    scope = getattr(request.state, "idempotency_scope", None)
    if scope is None:
        raise RuntimeError("an authentication dependency must set request.state.idempotency_scope")
    route = request.scope.get("route")
    body = await request.body()
    request_hash = sha256_hex(
        request.url.path.encode() + b"\n" + request.url.query.encode() + b"\n" + body
    )
    return IdempotencyContext(
        database_of(request),
        scope,
        f"{request.method} {getattr(route, 'path', request.url.path)}",
        idempotency_key,
        request_hash,
        getattr(route, "status_code", None) or 200,
    )


Idempotent = Annotated[IdempotencyContext, Depends(_read_key)]

P = ParamSpec("P")
R = TypeVar("R")


def idempotent(endpoint: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Claim the key (or replay the first answer), run the endpoint, and save its answer with
    its changes; drop the claim if it fails. Runs after FastAPI has validated the request, so a
    malformed request never uses up a key."""

    @functools.wraps(endpoint)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context = next(v for v in kwargs.values() if isinstance(v, IdempotencyContext))
        session = next(v for v in kwargs.values() if isinstance(v, AsyncSession))
        claim = await context.claim()
        try:
            result = await endpoint(*args, **kwargs)
            await claim.finish(session, context.status_code, jsonable_encoder(result))
        except BaseException:
            await session.rollback()
            await claim.abandon()
            raise
        return result

    return wrapper


def replay_response(saved: service.SavedResponse) -> JSONResponse:
    return JSONResponse(saved.body, saved.status, headers={REPLAY_HEADER: "true"})
