"""How many transactions and SQL statements the hottest requests send (issue 6's load profile).

Not timings: counts, which are the same on every machine. Each statement costs ~0.3-0.5 ms of
server CPU through the ORM and a round trip; each transaction a pool checkout, BEGIN and COMMIT.
A change that adds one to these paths shows up here, and the budget is raised on purpose or the
change is made cheaper. The figures differ by database: on PostgreSQL a ledger transfer is one
statement (PL/pgSQL), on SQLite the portable path's several."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from easypay.db import Database
from tests.money.builders import person
from tests.payment import builders as payment
from tests.payment import pos_builders as pos
from tests.perf.statements import recorded
from tests.transfer import builders as transfer

# (transactions, statements) per request: PostgreSQL, SQLite.
BUDGETS = {
    "send": {"postgresql": (4, 16), "sqlite": (4, 18)},
    "view": {"postgresql": (2, 3), "sqlite": (2, 3)},
    "receive": {"postgresql": (3, 15), "sqlite": (3, 16)},
    "pos": {"postgresql": (4, 18), "sqlite": (4, 20)},
    "history": {"postgresql": (2, 2), "sqlite": (2, 2)},
}


Check = Callable[[str, list[str]], None]


@pytest.fixture
def within(database: Database) -> Check:
    dialect = "sqlite" if database.is_sqlite else "postgresql"

    def check(name: str, statements: list[str]) -> None:
        transactions = statements.count("BEGIN")
        # SQLite's write transactions also send BEGIN IMMEDIATE themselves (db.py): not a query.
        queries = sum(not s.startswith(("BEGIN", "COMMIT")) for s in statements)
        most_transactions, most_queries = BUDGETS[name][dialect]
        listing = "\n".join(statements)
        assert transactions <= most_transactions, f"{name}: {transactions} transactions\n{listing}"
        assert queries <= most_queries, f"{name}: {queries} statements\n{listing}"

    return check


async def test_hot_requests_stay_within_their_budget(
    client: httpx.AsyncClient, database: Database, within: Check
) -> None:
    sender = await transfer.funded(client, await person(client, database), 100_000)
    friend = await person(client, database, name="이서연")
    shop = await payment.shop(database)
    # Warm: first calls create per-user rows (daily totals, ...) that later calls only update.
    await transfer.sent(client, sender, 100, friend)
    assert (await pos.charge(client, shop, await pos.code_for(database, sender))).status_code == 201

    with recorded(database) as statements:
        sent = await transfer.sent(client, sender, 100, friend)
    within("send", statements)
    with recorded(database) as statements:
        await transfer.transfer(client, friend, sent)
    within("view", statements)
    with recorded(database) as statements:
        assert (await transfer.act(client, friend, sent, "receive")).status_code == 200
    within("receive", statements)
    code = await pos.code_for(database, sender)
    with recorded(database) as statements:
        assert (await pos.charge(client, shop, code, 1000)).status_code == 201
    within("pos", statements)
    with recorded(database) as statements:
        page = await client.get("/api/v1/money/history?limit=20", headers=sender.headers)
    assert page.status_code == 200
    assert len(page.json()["items"]) >= 4
    within("history", statements)
