"""The KakaoPay wire: parameters from the query string, a form body or JSON (numbers may be
strings), the two authorization headers, and the two error envelopes.

Legacy paths (`/v1/payment/...`): `Authorization: KakaoAK <admin key>` (or `Bearer`), errors
`{"code", "msg", "extras"}`. Current paths (`/online/v1/payment/...`): `Authorization:
SECRET_KEY <secret key>`, errors `{"error_code", "error_message", "extras"}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Literal
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import JSONResponse

from easypay.db import database_of
from easypay.kit import parameters
from easypay.kit.crypto import sha256_hex
from easypay.models import Merchant
from easypay.payment import repository
from easypay.payment.errors import AuthenticationFailed, InvalidParameter, PaymentError

Generation = Literal["legacy", "current"]
MAX_TEXT = 255
# ASCII digits only: str.isdigit() also takes "²" (which int() refuses) and other scripts' digits.
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# Control characters other than tab and line breaks (custom_json may be pretty-printed): NUL,
# which PostgreSQL cannot store, terminal escapes, DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Params:
    """The call's parameters, whichever way they came; typed getters raise InvalidParameter."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def text(self, name: str, *, required: bool = True, limit: int = 100, default: str = "") -> str:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise InvalidParameter(f"{name} is required")
            return default
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        text = str(value)
        if len(text) > limit:
            raise InvalidParameter(f"{name} is longer than {limit} characters")
        if CONTROL_CHARACTERS.search(text):
            raise InvalidParameter(f"{name} contains control characters")
        return text

    def integer(self, name: str, *, required: bool = True) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise InvalidParameter(f"{name} is required")
            return None
        if isinstance(value, bool):
            raise InvalidParameter(f"{name} must be a whole number")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            raise InvalidParameter(f"{name} must be a whole number")
        if abs(number) > 10**15:
            raise InvalidParameter(f"{name} is out of range")
        return number

    def required_int(self, name: str) -> int:
        value = self.integer(name)
        assert value is not None
        return value


async def read_params(request: Request) -> Params:
    """Query string first, then the body (form or JSON) on top. A parameter named twice (twice
    in the query or the form, twice in one JSON object at any depth, or in both the query and
    the body: the KakaoPay documentation defines no merging) is refused, never picked."""
    query = request.url.query
    named_twice = parameters.repeated_in_query(query)
    if named_twice is not None:
        raise InvalidParameter(f"{named_twice} is given more than once")
    values: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=False))
    body = await request.body()
    if body:
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            try:
                parsed = parameters.loads(body)
            except parameters.RepeatedName as error:
                raise InvalidParameter(f"{error.name} is given more than once") from error
            except (ValueError, UnicodeDecodeError, RecursionError) as error:
                raise InvalidParameter("the JSON body cannot be read") from error
            if not isinstance(parsed, dict):
                raise InvalidParameter("the JSON body must be an object")
            body_values: dict[str, Any] = parsed
            body_names: Iterable[str] = parsed
        else:
            try:
                form = body.decode()
            except UnicodeDecodeError as error:
                raise InvalidParameter("the form body cannot be read") from error
            named_twice = parameters.repeated_in_query(form)
            if named_twice is not None:
                raise InvalidParameter(f"{named_twice} is given more than once")
            body_values = dict(parse_qsl(form, keep_blank_values=False))
            body_names = parameters.names_in_query(form)
        if query:
            in_query = parameters.names_in_query(query)
            named_twice = next((n for n in body_names if n in in_query), None)
            if named_twice is not None:
                raise InvalidParameter(f"{named_twice} is given in both the query and the body")
        values.update(body_values)
    return Params(values)


async def authenticate(request: Request, generation: Generation) -> Merchant:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if generation == "legacy" and scheme in ("KakaoAK", "Bearer") and key:
        column = "admin_key_hash"
    elif generation == "current" and scheme == "SECRET_KEY" and key:
        column = "secret_key_hash"
    else:
        raise AuthenticationFailed()
    async with database_of(request).transaction() as session:
        merchant = await repository.merchant_by_key_hash(session, column, sha256_hex(key))
    if merchant is None or merchant.status != "active":
        raise AuthenticationFailed()
    return merchant


def error_response(error: PaymentError, generation: Generation) -> JSONResponse:
    extras = {
        "method_result_code": error.method_result_code or error.code,
        "method_result_message": error.detail,
    }
    if generation == "legacy":
        body: dict[str, Any] = {"code": error.kakao_code, "msg": error.detail, "extras": extras}
    else:
        body = {"error_code": error.kakao_code, "error_message": error.detail, "extras": extras}
    return JSONResponse(body, status_code=error.status)
