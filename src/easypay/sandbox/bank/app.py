"""create_bank_app(): the sandbox bank as its own ASGI app (mounted by easypay.app at
/sandbox/bank), answering everything — errors included — in its KFTC-style envelope."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from easypay.config import Settings
from easypay.db import Database
from easypay.sandbox.bank import service
from easypay.sandbox.bank.endpoints import admin_router, router
from easypay.sandbox.bank.errors import (
    RSP_BAD_REQUEST,
    RSP_INTERNAL,
    RSP_NOT_FOUND,
    RSP_UNAUTHORIZED,
    BankRefused,
    InjectedFailure,
    SandboxBankError,
    Unauthorized,
)

log = logging.getLogger("easypay.sandbox.bank")

DESCRIPTION = """
A fake bank for development and tests, shaped after KFTC Open Banking v2.0: real-name inquiry,
account list, balance, transactions, withdraw (출금이체) and deposit (입금이체) idempotent on
`bank_tran_id`, and transfer result inquiry. Send `Authorization: Bearer <bank_api_token>`.

Every answer carries `api_tran_id`, `api_tran_dtm`, `rsp_code` (`A0000` done, `A0002` the bank
refused: see `bank_rsp_code`) and `rsp_message`. `/_sandbox/...` opens accounts and injects
faults (decline, timeout, fail_after_success).
"""


def _envelope_response(
    status: int, rsp_code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(service.envelope(rsp_code, message), status, headers=headers)


async def _sandbox_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, SandboxBankError)
    if isinstance(error, BankRefused):
        body = service.envelope(error.rsp_code) | service.bank_layer(
            error.bank_tran_id, error.bank_code_std, error.bank_rsp_code
        )
        return JSONResponse(body, error.status)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
    return _envelope_response(error.status, error.rsp_code, error.detail, headers)


async def _validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
    return _envelope_response(400, RSP_BAD_REQUEST, "; ".join(parts) or "Invalid request.")


async def _http_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    codes = {401: RSP_UNAUTHORIZED, 404: RSP_NOT_FOUND}
    rsp_code = codes.get(error.status_code, RSP_BAD_REQUEST)
    return _envelope_response(error.status_code, rsp_code, str(error.detail), error.headers)


async def _injected_failure(_: Request, error: Exception) -> Response:
    # The work is committed; the caller sees what a crashed gateway would send.
    return PlainTextResponse("Internal Server Error", 500)


async def _unexpected_error(_: Request, error: Exception) -> Response:
    log.exception("sandbox bank error", exc_info=error)
    return _envelope_response(500, RSP_INTERNAL, "Internal error.")


def create_bank_app(database: Database, settings: Settings) -> FastAPI:
    app = FastAPI(
        title="EasyPay sandbox bank",
        description=DESCRIPTION,
        version="2.0",
        docs_url=None,  # the parent app serves docs from vendored assets only
        redoc_url=None,
    )
    app.state.database = database
    app.state.settings = settings
    app.add_exception_handler(SandboxBankError, _sandbox_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(InjectedFailure, _injected_failure)
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(router)
    app.include_router(admin_router)
    return app
