"""The base error and the one JSON error handler.

Every refusal is a subclass of `EasyPayError` with its HTTP status and a stable code; the handler
renders `{"error": code, "detail": sentence}`. Wire-compatible APIs install their own handler.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("easypay.errors")


class EasyPayError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "BadRequest"
    message: ClassVar[str] = "The request cannot be done."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.message
        super().__init__(self.detail)


class NotFound(EasyPayError):
    status = 404
    code = "NotFound"
    message = "Not found."


class Unauthorized(EasyPayError):
    status = 401
    code = "Unauthorized"
    message = "Sign in first."


class Forbidden(EasyPayError):
    status = 403
    code = "Forbidden"
    message = "You may not do this."


class Conflict(EasyPayError):
    status = 409
    code = "Conflict"
    message = "This conflicts with the current state."


class InvalidInput(EasyPayError):
    status = 422
    code = "ValidationError"
    message = "The request is not valid."


class RateLimited(EasyPayError):
    status = 429
    code = "TooManyRequests"
    message = "Too many attempts. Wait a few minutes and try again."


class ErrorRead(BaseModel):
    error: str = Field(description="Stable machine-readable code.", examples=["InsufficientFunds"])
    detail: str = Field(
        description="A sentence for people.", examples=["Your balance is not enough."]
    )


def error_responses(*errors: type[EasyPayError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the errors an endpoint declares."""
    responses: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        entry = responses.setdefault(error.status, {"model": ErrorRead, "description": ""})
        codes = [c for c in entry["description"].split(", ") if c]
        codes.append(error.code)
        entry["description"] = ", ".join(dict.fromkeys(codes))
    return responses


def error_body(code: str, detail: str) -> dict[str, str]:
    return {"error": code, "detail": detail}


async def _easypay_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, EasyPayError)
    headers = {"Retry-After": "60"} if isinstance(error, RateLimited) else None
    return JSONResponse(error_body(error.code, error.detail), error.status, headers=headers)


def _describe_validation(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is not valid."


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse(error_body("ValidationError", _describe_validation(error)), 422)


# FastAPI's answer to a body it cannot decode at all (e.g. not UTF-8); undecodable JSON is a 422.
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.detail == _UNPARSABLE_BODY:
        # The same refusal as malformed JSON (422, documented on every endpoint with a body).
        return JSONResponse(error_body("ValidationError", "body: the body cannot be read"), 422)
    names = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized", 400: "BadRequest"}
    code = names.get(error.status_code, "HTTPError")
    return JSONResponse(
        error_body(code, str(error.detail)), error.status_code, headers=error.headers
    )


# Deadlock, serialization failure, admin shutdown, cannot connect now, connection failures.
_RETRYABLE_SQLSTATES = {"40P01", "40001", "57P01", "57P03", "08000", "08003", "08006"}


def is_transient(error: Exception) -> bool:
    """The database is away or asked for a retry: nothing was done, the client may try again
    (with the same idempotency key). Not a bug, so a 503 and a warning, not a 500."""
    if isinstance(error, ConnectionError | TimeoutError | sa_exc.PendingRollbackError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
        return True
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state in _RETRYABLE_SQLSTATES or "database is locked" in str(original)


async def _unexpected_error(_: Request, error: Exception) -> JSONResponse:
    if is_transient(error):
        log.warning("database unavailable: %s", type(error).__name__, exc_info=error)
        body = error_body("ServiceUnavailable", "Please try again in a moment.")
        return JSONResponse(body, 503, headers={"Retry-After": "1"})
    log.exception("unexpected error", exc_info=error)
    return JSONResponse(error_body("InternalError", "Something went wrong on our side."), 500)


def _describe_validation_errors(app: FastAPI) -> None:
    """FastAPI documents its own 422 body (`{"detail": [...]}`) on every operation with
    parameters; ours is `{"error", "detail"}` (see `_validation_error`): say so in the schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schemas = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = {
                    **ErrorRead.model_json_schema(),
                    "title": "HTTPValidationError",
                }
                schemas.pop("ValidationError", None)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


# The classes a database that is away raises: handled where the route's own errors are, so
# that a 503 is answered and logged once as a warning (the catch-all `Exception` handler runs
# in Starlette's outermost middleware, which re-raises after answering: uvicorn then logged a
# traceback at ERROR for each request of an outage).
_DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.DBAPIError,
    sa_exc.PendingRollbackError,
    ConnectionError,
    TimeoutError,
)


def install_error_handlers(app: FastAPI) -> None:
    for kind in _DATABASE_ERRORS:
        app.add_exception_handler(kind, _unexpected_error)
    app.add_exception_handler(EasyPayError, _easypay_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    _describe_validation_errors(app)
