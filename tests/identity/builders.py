"""Builders for tests that need people: sign up through the API, sign in, set a PIN."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from easypay.db import Database
from easypay.identity import service as identity

PASSWORD = "correct-horse-42"
PIN = "739164"
BIRTH_DATE = "1990-05-17"

_numbers = itertools.count(1)


def new_phone() -> str:
    """A Korean mobile number in local form, different on every call."""
    n = next(_numbers)
    return f"010-{2000 + n // 10_000:04d}-{n % 10_000:04d}"


def e164(local: str) -> str:
    return "+82" + local.replace("-", "")[1:]


@dataclass(frozen=True)
class SignedUpUser:
    user_id: int
    phone: str  # E.164
    password: str
    token: str
    session_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up_body(**overrides: Any) -> dict[str, Any]:
    body = {"phone": new_phone(), "name": "김민준", "birth_date": BIRTH_DATE, "password": PASSWORD}
    body.update(overrides)
    return body


async def sign_up(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    return await client.post("/api/v1/users", json=sign_up_body(**overrides))


async def sign_in(
    client: httpx.AsyncClient, phone: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/api/v1/sessions", json={"phone": phone, "password": password})


async def signed_in(
    client: httpx.AsyncClient, phone: str, password: str = PASSWORD
) -> SignedUpUser:
    response = await sign_in(client, phone, password)
    assert response.status_code == 201, response.text
    body = response.json()
    return SignedUpUser(
        body["user"]["id"], body["user"]["phone"], password, body["token"], body["session_id"]
    )


async def signed_up_user(
    client: httpx.AsyncClient,
    *,
    phone: str | None = None,
    name: str = "김민준",
    birth_date: str = BIRTH_DATE,
    password: str = PASSWORD,
    pin: str | None = None,
) -> SignedUpUser:
    """A new user, signed in over the API (Bearer token), with a PIN if `pin` is given."""
    phone = phone or new_phone()
    response = await sign_up(
        client, phone=phone, name=name, birth_date=birth_date, password=password
    )
    assert response.status_code == 201, response.text
    user = await signed_in(client, phone, password)
    if pin is not None:
        response = await client.put("/api/v1/me/pin", json={"pin": pin}, headers=user.headers)
        assert response.status_code == 204, response.text
    return user


async def signed_up_operator(client: httpx.AsyncClient, database: Database) -> SignedUpUser:
    """An operator, created as `easypay admin create-operator` does, then signed in."""
    phone = new_phone()
    async with database.transaction() as session:
        await identity.sign_up(
            session, phone, "운영자", date(1985, 1, 2), PASSWORD, is_operator=True
        )
    return await signed_in(client, phone)


def error_of(response: httpx.Response) -> str:
    """The error code of a JSON error answer (which must have exactly `error` and `detail`)."""
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return str(body["error"])
