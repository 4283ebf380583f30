"""create_card_app(): the sandbox card issuer as its own ASGI app (mounted by easypay.app at
/sandbox/card), answering errors as `{"error": code, "detail": sentence}`."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from easypay.config import Settings
from easypay.db import Database
from easypay.sandbox.card.endpoints import admin_router, router
from easypay.sandbox.card.errors import InjectedFailure, SandboxCardError, Unauthorized

log = logging.getLogger("easypay.sandbox.card")

DESCRIPTION = """
A fake card issuer for development and tests: card registration (a token for the card number),
authorisation (승인), capture (매입), cancel (취소, partial cancels add up) and result inquiry,
each money-moving call idempotent on the caller's `request_id`. Send
`Authorization: Bearer <card_issuer_api_token>`.

Card operations answer HTTP 200 with `result_code` `00` (approved) or a decline code: 05 do not
honour, 12 invalid transaction, 13 invalid amount, 14 invalid card, 51 over the limit, 54
expired, 55 details do not match, 57 not permitted, 62 lost card. `/_sandbox/...` issues cards
and injects faults (decline, timeout, fail_after_success). The published test cards are listed
in `easypay.sandbox.card.service`.
"""


def _error(
    status: int, code: str, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status, headers=headers)


async def _sandbox_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, SandboxCardError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
    return _error(error.status, error.code, error.detail, headers)


async def _validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
    return _error(400, "BadRequest", "; ".join(parts) or "Invalid request.")


async def _http_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    code = {401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed"}.get(
        error.status_code, "BadRequest"
    )
    return _error(error.status_code, code, str(error.detail), error.headers)


async def _injected_failure(_: Request, error: Exception) -> Response:
    # The work is committed; the caller sees what a crashed gateway would send.
    return PlainTextResponse("Internal Server Error", 500)


async def _unexpected_error(_: Request, error: Exception) -> Response:
    log.exception("sandbox card issuer error", exc_info=error)
    return _error(500, "InternalError", "Internal error.")


def create_card_app(database: Database, settings: Settings) -> FastAPI:
    app = FastAPI(
        title="EasyPay sandbox card issuer",
        description=DESCRIPTION,
        version="1.0",
        docs_url=None,  # the parent app serves docs from vendored assets only
        redoc_url=None,
    )
    app.state.database = database
    app.state.settings = settings
    app.add_exception_handler(SandboxCardError, _sandbox_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(InjectedFailure, _injected_failure)
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(router)
    app.include_router(admin_router)
    return app
