"""Builders for transfer tests: people with Pay Money, and the calls they make."""

from __future__ import annotations

from typing import Any

import httpx

from tests.money.builders import PIN, Person, charge


async def funded(client: httpx.AsyncClient, someone: Person, amount: int) -> Person:
    response = await charge(client, someone, amount)
    assert response.status_code == 201, response.text
    return someone


async def send(
    client: httpx.AsyncClient,
    sender: Person,
    amount: int,
    *,
    to: Person | None = None,
    phone: str | None = None,
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"amount": amount, "pin": PIN, "message": "점심값", **extra}
    if to is not None:
        body["phone"] = to.phone
    elif phone is not None:
        body["phone"] = phone
    return await client.post("/api/v1/transfers", json=body, headers=sender.with_key(key))


async def act(
    client: httpx.AsyncClient, who: Person, transfer_id: int, action: str, key: str | None = None
) -> httpx.Response:
    return await client.post(f"/api/v1/transfers/{transfer_id}/{action}", headers=who.with_key(key))


async def available(client: httpx.AsyncClient, someone: Person) -> int:
    response = await client.get("/api/v1/money/balance", headers=someone.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["available"])


async def inbox(client: httpx.AsyncClient, someone: Person) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/inbox", headers=someone.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
