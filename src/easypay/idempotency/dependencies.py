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

from easypay.db import database_of
from easypay.idempotency import service
from easypay.idempotency.errors import IdempotencyKeyMissing
from easypay.kit.crypto import sha256_hex

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAY_HEADER = "Idempotent-Replayed"


class IdempotencyContext:
    def __init__(self, claim: service.Claim, status_code: int, scope: str, key: str) -> None:
        self.claim = claim
        self.status_code = status_code
        self.scope = scope
        self.key = key

    def request_key(self, action: str) -> str:
        """A key for work this call starts elsewhere (a bank call), unique to caller and key."""
        return f"{action}:{self.scope}:{self.key}"


async def _claim_key(
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
    endpoint = f"{request.method} {request.scope.get('route').path}"  # type: ignore[union-attr]
    body = await request.body()
    request_hash = sha256_hex(
        request.url.path.encode() + b"\n" + request.url.query.encode() + b"\n" + body
    )
    claim = await service.begin(
        database_of(request), scope, endpoint, idempotency_key, request_hash
    )
    route = request.scope.get("route")
    status_code = getattr(route, "status_code", None) or 200
    return IdempotencyContext(claim, status_code, scope, idempotency_key)


Idempotent = Annotated[IdempotencyContext, Depends(_claim_key)]

P = ParamSpec("P")
R = TypeVar("R")


def idempotent(endpoint: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Save the endpoint's answer with its changes; drop the claim if it fails."""

    @functools.wraps(endpoint)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context = next(v for v in kwargs.values() if isinstance(v, IdempotencyContext))
        session = next(v for v in kwargs.values() if isinstance(v, AsyncSession))
        try:
            result = await endpoint(*args, **kwargs)
            await context.claim.finish(session, context.status_code, jsonable_encoder(result))
        except BaseException:
            await session.rollback()
            await context.claim.abandon()
            raise
        return result

    return wrapper


def replay_response(saved: service.SavedResponse) -> JSONResponse:
    return JSONResponse(saved.body, saved.status, headers={REPLAY_HEADER: "true"})
