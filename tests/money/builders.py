"""Builders for Pay Money tests: a signed-in user with a PIN and a funded, linked bank account."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from easypay.db import Database
from easypay.sandbox.bank import service as sandbox_bank

PASSWORD = "correct-horse-42"
PIN = "739164"
_numbers = itertools.count(1000)


@dataclass
class Person:
    user_id: int
    phone: str
    name: str
    headers: dict[str, str]
    bank_code: str
    account_number: str
    link_id: int | None = None

    def with_key(self, key: str | None = None) -> dict[str, str]:
        """Auth headers plus an Idempotency-Key (a fresh one unless given)."""
        return {**self.headers, "Idempotency-Key": key or uuid.uuid4().hex}


async def person(
    client: httpx.AsyncClient,
    database: Database,
    name: str = "김민준",
    bank_balance: int = 5_000_000,
    link: bool = True,
    bank_code: str = "088",
    holder_name: str | None = None,
    phone: str | None = None,
) -> Person:
    number = next(_numbers)
    phone = phone or f"+8210{number:04d}{number:04d}"
    account_number = f"1101{number:08d}"
    response = await client.post(
        "/api/v1/users",
        json={"phone": phone, "name": name, "birth_date": "1990-05-17", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    response = await client.post("/api/v1/sessions", json={"phone": phone, "password": PASSWORD})
    assert response.status_code == 201, response.text
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    response = await client.put("/api/v1/me/pin", json={"pin": PIN}, headers=headers)
    assert response.status_code == 204, response.text
    async with database.transaction() as session:
        await sandbox_bank.open_account(
            session, bank_code, account_number, holder_name or name, phone, bank_balance
        )
    someone = Person(user_id, phone, name, headers, bank_code, account_number)
    if link:
        response = await client.post(
            "/api/v1/money/bank-links",
            json={"bank_code": bank_code, "account_number": account_number, "consent": True},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        someone.link_id = response.json()["id"]
    return someone


async def charge(
    client: httpx.AsyncClient, someone: Person, amount: int, key: str | None = None, **extra: Any
) -> httpx.Response:
    body = {"bank_link_id": someone.link_id, "amount": amount, "pin": PIN, **extra}
    return await client.post("/api/v1/money/charges", json=body, headers=someone.with_key(key))


async def withdraw(
    client: httpx.AsyncClient, someone: Person, amount: int, key: str | None = None, **extra: Any
) -> httpx.Response:
    body = {"bank_link_id": someone.link_id, "amount": amount, "pin": PIN, **extra}
    return await client.post("/api/v1/money/withdrawals", json=body, headers=someone.with_key(key))


async def balance(client: httpx.AsyncClient, someone: Person) -> dict[str, int]:
    response = await client.get("/api/v1/money/balance", headers=someone.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def bank_balance(database: Database, someone: Person) -> int:
    async with database.transaction() as session:
        account = await sandbox_bank.account(session, someone.bank_code, someone.account_number)
        return account.balance


BIRTH_DATE = date(1990, 5, 17)
