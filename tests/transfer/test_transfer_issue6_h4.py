"""Issue 6 (H4) regressions: a memo or title with a NUL character was a 500 on PostgreSQL —
after the auto-charge had already taken money from the bank. It is now refused up front."""

from __future__ import annotations

import httpx
import pytest

from easypay.db import Database
from tests.attack.h4_support import changed_tables, snapshot
from tests.money import builders as money
from tests.money.builders import PIN
from tests.transfer import builders


@pytest.mark.parametrize("message", ["점심\x00값", "\x00", "a\x1bb", "\x7f"])
async def test_a_memo_with_control_characters_changes_nothing(
    client: httpx.AsyncClient, database: Database, message: str
) -> None:
    sender = await money.person(client, database)  # no balance: a send would auto-charge
    friend = await money.person(client, database, name="이서연", link=False)
    before = await snapshot(database)
    response = await builders.send(client, sender, 5000, to=friend, message=message)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "ValidationError"
    assert changed_tables(before, await snapshot(database)) == []
    assert await money.bank_balance(database, sender) == 5_000_000


async def test_a_bank_transfer_memo_with_nul_changes_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    sender = await builders.funded(client, await money.person(client, database), 10_000)
    body = {
        "bank_code": sender.bank_code,
        "account_number": sender.account_number,
        "amount": 1000,
        "message": "월세\x00",
        "pin": PIN,
    }
    before = await snapshot(database)
    response = await client.post("/api/v1/bank-transfers", json=body, headers=sender.with_key())
    assert response.status_code == 422, response.text
    assert "message" in response.json()["detail"]
    assert changed_tables(before, await snapshot(database)) == []


@pytest.mark.parametrize("path", ["/api/v1/money-requests", "/api/v1/dutch-pays"])
async def test_a_title_with_nul_is_refused(
    client: httpx.AsyncClient, database: Database, path: str
) -> None:
    asker = await money.person(client, database)
    friend = await money.person(client, database, name="이서연", link=False)
    body: dict[str, object] = {"title": "회식\x00", "people": [{"phone": friend.phone}]}
    if path.endswith("money-requests"):
        body["people"] = [{"phone": friend.phone, "amount": 1000}]
    else:
        body["total"] = 2000
    before = await snapshot(database)
    response = await client.post(path, json=body, headers=asker.with_key())
    assert response.status_code == 422, response.text
    assert changed_tables(before, await snapshot(database)) == []
    body["title"] = "회식"  # the same without the NUL is fine
    response = await client.post(path, json=body, headers=asker.with_key())
    assert response.status_code == 201, response.text
