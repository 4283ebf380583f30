"""Builders for in-store payment tests: a buyer's code, and the POS API's three calls."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from sqlalchemy import func, select

from easypay.db import Database
from easypay.models import Payment, User
from easypay.payment import codes
from tests.money.builders import Person
from tests.payment.builders import Shop

_requests = itertools.count(1)


def request_id() -> str:
    return f"pos-{next(_requests):06d}"


async def code_for(database: Database, someone: Person | int) -> str:
    """A fresh code of someone (what the wallet shows after the PIN): its digits."""
    user_id = someone if isinstance(someone, int) else someone.user_id
    async with database.transaction() as session:
        user = await session.get(User, user_id)
        assert user is not None
        issued = await codes.issue(session, user)
    return issued.digits


async def charge(
    client: httpx.AsyncClient,
    shop: Shop,
    code: str,
    amount: Any = 4500,
    pos_request_id: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {
        "code": code,
        "amount": amount,
        "pos_request_id": request_id() if pos_request_id is None else pos_request_id,
        "item_name": "아메리카노",
        **extra,
    }
    return await client.post(
        "/api/v1/pos/payments", json=body, headers=shop.current if headers is None else headers
    )


async def read(client: httpx.AsyncClient, shop: Shop, pos_request_id: str) -> httpx.Response:
    return await client.get(f"/api/v1/pos/payments/{pos_request_id}", headers=shop.current)


async def cancel(
    client: httpx.AsyncClient,
    shop: Shop,
    pos_request_id: str,
    amount: int | None = None,
    cancel_request_id: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"cancel_request_id": cancel_request_id or request_id(), **extra}
    if amount is not None:
        body["amount"] = amount
    return await client.post(
        f"/api/v1/pos/payments/{pos_request_id}/cancel", json=body, headers=shop.current
    )


async def pos_payments(database: Database) -> int:
    async with database.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Payment).where(Payment.channel == "POS")
        )
    return int(count or 0)


def error(response: httpx.Response) -> str:
    """The code of an EasyPay error answer (checking the envelope)."""
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    assert body["detail"], body
    return str(body["error"])
