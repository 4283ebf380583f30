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


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    names = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized", 400: "BadRequest"}
    code = names.get(error.status_code, "HTTPError")
    return JSONResponse(
        error_body(code, str(error.detail)), error.status_code, headers=error.headers
    )


async def _unexpected_error(_: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return JSONResponse(error_body("InternalError", "Something went wrong on our side."), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(EasyPayError, _easypay_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
