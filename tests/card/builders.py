"""Builders for card tests: the issuer adapter pointed at the live sandbox, the sandbox's admin
API (faults, cards), and users who register cards through the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from easypay.card.issuer_client import HttpCardIssuer
from easypay.config import Settings
from tests.money.builders import PIN, Person

BASE = "/sandbox/card"
BIRTH = "900517"  # the test users' birth date (1990-05-17) and the generic test cards'
PASSWORD_TWO = "12"
GOOD = "9490120000000012"  # approves, limit 5,000,000
LOW_LIMIT = "9490120000000020"  # limit 30,000
DO_NOT_HONOR = "9490120000000038"  # every authorisation declines 05
LOST = "9490120000000046"  # registration declines 62
EXPIRED = "9490120000000053"  # expiry 0125: registration declines 54
CHECK = "9490130000000060"  # 체크, balance 1,000,000
EXPIRY = "1231"


def auth(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.card_issuer_api_token}"}


@asynccontextmanager
async def issuer_at(
    url: str, settings: Settings, timeout: float = 5.0
) -> AsyncIterator[HttpCardIssuer]:
    issuer = HttpCardIssuer(f"{url}{BASE}", settings.card_issuer_api_token, timeout)
    try:
        yield issuer
    finally:
        await issuer.aclose()


class Sandbox:
    """The sandbox issuer's administration API, over real HTTP."""

    def __init__(self, url: str, settings: Settings) -> None:
        self.http = httpx.AsyncClient(base_url=f"{url}{BASE}", headers=auth(settings), timeout=10)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def card(self, number: str) -> dict[str, Any]:
        response = await self.http.get(f"/_sandbox/cards/{number}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def used(self, number: str) -> int:
        return int((await self.card(number))["used"])

    async def update(self, number: str, **values: Any) -> None:
        response = await self.http.patch(f"/_sandbox/cards/{number}", json=values)
        assert response.status_code == 200, response.text

    async def open(self, number: str, credit_limit: int, **values: Any) -> None:
        body = {"number": number, "expiry": EXPIRY, "holder_name": "테스트"}
        response = await self.http.post(
            "/_sandbox/cards", json={**body, "credit_limit": credit_limit, **values}
        )
        assert response.status_code == 201, response.text

    async def fault(self, operation: str, mode: str, **values: Any) -> None:
        response = await self.http.post(
            "/_sandbox/faults", json={"operation": operation, "mode": mode, **values}
        )
        assert response.status_code == 201, response.text


def request_id() -> str:
    return f"T{uuid.uuid4().hex[:20]}"


def card_body(number: str = GOOD, **overrides: Any) -> dict[str, Any]:
    body = {
        "card_number": number,
        "expiry": EXPIRY,
        "birth_date": BIRTH,
        "password_two_digits": PASSWORD_TWO,
        "pin": PIN,
    }
    return {**body, **overrides}


async def register_card(
    client: httpx.AsyncClient, someone: Person, number: str = GOOD, **overrides: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/cards", json=card_body(number, **overrides), headers=someone.with_key()
    )
