"""Builders for transfer tests: people with Pay Money, and the calls they make."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from easypay.db import Database
from easypay.sandbox.bank import service as sandbox_bank
from easypay.transfer import tasks
from tests.money.builders import PIN, Person, charge

_unused_numbers = itertools.count(100)


def phone_nobody_has() -> str:
    """A Korean mobile number (local form) that no test person is given."""
    n = next(_unused_numbers) % 1000
    return f"010-6{n:03d}-8{n:03d}"


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


async def sent(client: httpx.AsyncClient, sender: Person, amount: int, to: Person) -> int:
    """Send and return the new transfer's id (the send must succeed)."""
    response = await send(client, sender, amount, to=to)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def act(
    client: httpx.AsyncClient, who: Person, transfer_id: int, action: str, key: str | None = None
) -> httpx.Response:
    return await client.post(f"/api/v1/transfers/{transfer_id}/{action}", headers=who.with_key(key))


async def transfer(client: httpx.AsyncClient, who: Person, transfer_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/transfers/{transfer_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def status_of(client: httpx.AsyncClient, who: Person, transfer_id: int) -> str:
    return str((await transfer(client, who, transfer_id))["status"])


async def available(client: httpx.AsyncClient, someone: Person) -> int:
    response = await client.get("/api/v1/money/balance", headers=someone.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["available"])


async def inbox(client: httpx.AsyncClient, someone: Person) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/inbox", headers=someone.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def kinds(client: httpx.AsyncClient, someone: Person) -> list[str]:
    """The kinds of the messages in someone's inbox, newest first."""
    return [message["kind"] for message in await inbox(client, someone)]


async def befriend(client: httpx.AsyncClient, someone: Person, friend: Person) -> None:
    response = await client.post(
        "/api/v1/friends", json={"phone": friend.phone}, headers=someone.headers
    )
    assert response.status_code == 201, response.text


async def set_auto_charge(client: httpx.AsyncClient, someone: Person, on: bool) -> None:
    response = await client.patch(
        "/api/v1/me/settings", json={"auto_charge_enabled": on}, headers=someone.headers
    )
    assert response.status_code == 200, response.text


async def set_language(client: httpx.AsyncClient, someone: Person, language: str) -> None:
    response = await client.patch(
        "/api/v1/me/settings", json={"language": language}, headers=someone.headers
    )
    assert response.status_code == 200, response.text


async def run_worker(database: Database) -> int:
    """One pass of the transfer tasks (returns, reminders, request reminders)."""
    return await tasks.run_due(database)


async def add_fault(database: Database, operation: str, mode: str, **options: Any) -> None:
    async with database.transaction() as session:
        await sandbox_bank.add_fault(session, operation, mode, **options)


# --- money requests and dutch pay ---------------------------------------------------------------


def share(someone: Person, amount: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"phone": someone.phone}
    if amount is not None:
        entry["amount"] = amount
    return entry


async def ask(
    client: httpx.AsyncClient,
    requester: Person,
    people: list[dict[str, Any]],
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {"title": "점심값", "people": people, **extra}
    return await client.post("/api/v1/money-requests", json=body, headers=requester.with_key(key))


async def dutch_pay(
    client: httpx.AsyncClient,
    organiser: Person,
    total: int,
    people: list[dict[str, Any]],
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {"title": "회식", "total": total, "people": people, **extra}
    return await client.post("/api/v1/dutch-pays", json=body, headers=organiser.with_key(key))


async def pay(
    client: httpx.AsyncClient, payer: Person, request_id: int, key: str | None = None, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/money-requests/{request_id}/pay",
        json={"pin": PIN, **extra},
        headers=payer.with_key(key),
    )


async def answer(
    client: httpx.AsyncClient, who: Person, request_id: int, action: str
) -> httpx.Response:
    """`decline` or `close` a request."""
    return await client.post(
        f"/api/v1/money-requests/{request_id}/{action}", headers=who.with_key()
    )


async def money_request(client: httpx.AsyncClient, who: Person, request_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/money-requests/{request_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def error_of(response: httpx.Response) -> str:
    """The code of a JSON error answer (which has exactly `error` and `detail`)."""
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return str(body["error"])
