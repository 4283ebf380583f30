"""Issue 6 (H4) regression: a NUL character in any text reaching the database was a 500 on
PostgreSQL (asyncpg: invalid byte sequence for encoding "UTF8": 0x00) and stored as is on
SQLite. The database layer now refuses it as bad input (422) on both, whichever path it came by."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from easypay.db import Database, _has_nul
from easypay.errors import InvalidInput
from easypay.identity import service as identity
from tests.attack.h4_support import changed_tables, snapshot
from tests.payment import builders as payment
from tests.web.helpers import sign_up


@pytest.mark.no_database
def test_has_nul_looks_into_rows_and_batches() -> None:
    assert _has_nul(("a", "b\x00"))
    assert _has_nul({"name": "\x00"})
    assert _has_nul([("a", 1), ("b", "c\x00d")])
    assert not _has_nul(("a", 1, None, b"\x00", 2.5))  # bytes may hold NUL
    assert not _has_nul(None)
    assert not _has_nul(7)


async def test_a_nul_in_a_write_is_invalid_input(database: Database) -> None:
    before = await snapshot(database)
    with pytest.raises(InvalidInput):
        async with database.transaction() as session:
            await identity.sign_up(
                session, "010-3333-4444", "김\x00", date(1990, 1, 1), "pw-12345678"
            )
    assert changed_tables(before, await snapshot(database)) == []


@pytest.mark.parametrize(
    "path", ["/api/v1/users", "/api/v1/sessions", "/checkout/T%00", "/api/v1/money/history"]
)
async def test_nul_through_the_api_is_a_4xx(
    client: httpx.AsyncClient, database: Database, path: str
) -> None:
    before = await snapshot(database)
    if path.startswith("/checkout"):
        await sign_up(client)  # signed in, the page looks the payment up
        before = await snapshot(database)
        response = await client.get(path)
    elif path.endswith("history"):
        response = await client.get(path, params={"cursor": "\x00"})
    else:
        response = await client.post(
            path,
            json={
                "phone": "010-3333-4444\x00",
                "name": "김\x00",
                "birth_date": "1990-01-01",
                "password": "pw\x00-12345678",
            },
        )
    assert 400 <= response.status_code < 500, response.text
    assert changed_tables(before, await snapshot(database)) == []


async def test_nul_in_a_path_id_is_a_4xx(client: httpx.AsyncClient, database: Database) -> None:
    shop = await payment.shop(database)
    response = await client.get("/api/v1/pos/payments/a%00b", headers=shop.current)
    assert 400 <= response.status_code < 500, response.text
