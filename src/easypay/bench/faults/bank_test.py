"""The Jepsen bank test, EasyPay's shape: users are funded once, then many clients send money to
each other (received or cancelled), pay in a store or online and get part of it back — no money
enters or leaves EasyPay during the run (auto-charge is off) — while readers take snapshots of every
account in one transaction (REPEATABLE READ on PostgreSQL; SQLite's read transactions are
snapshots) and check each one:

- per unit, every account's posted balance sums to 0, and so does every pending amount;
- the money held for customers and merchants (every account but the bank and card clearing
  accounts) always sums to the same total, and nothing is pending outside them;
- the wallets read one by one add up to the wallet total of the same snapshot;
- no wallet is overdrawn (available, holds counted, is never below 0).

Any snapshot that breaks one is printed with its figures. Optionally the server is also killed
now and then (`--kills N`). Afterwards the checks of `checks.check` run. Exit status 1 on any
anomaly or violation.

    python -m easypay.bench.faults.bank_test --database postgres --seconds 300 --clients 16
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from easypay.bench.faults import checks, harness
from easypay.db import Database

OUTSIDE = ("bank_clearing", "card_clearing")  # where money enters and leaves EasyPay


@dataclass
class Plan:
    database: str = "postgres"
    seconds: float = 300.0
    users: int = 10
    clients: int = 16
    readers: int = 2
    kills: int = 0
    seed: int = 1
    database_url: str | None = None


@dataclass
class Snapshots:
    reads: int = 0
    total: int | None = None  # held for customers and merchants, fixed by the first read
    anomalies: list[str] = field(default_factory=list)
    failed_reads: int = 0


# Transfers, store and online payments and cancels only: money moves inside EasyPay.
BANK_TEST_MIX: harness.Mix = (("transfer", 60), ("pos", 24), ("online", 16))


async def snapshot(database: Database) -> tuple[list[Any], list[Any]]:
    """Sums by account code and every wallet, in one snapshot."""
    async with database.transaction() as session:
        if not database.is_sqlite:
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        sums = list(
            (
                await session.execute(
                    text(
                        "SELECT unit, code, SUM(credits_posted - debits_posted) AS posted, "
                        "SUM(credits_pending - debits_pending) AS pending FROM ledger_accounts "
                        "GROUP BY unit, code"
                    )
                )
            ).all()
        )
        await asyncio.sleep(random.uniform(0, 0.05))  # let writers commit in between
        wallets = list(
            (
                await session.execute(
                    text(
                        "SELECT owner_id, credits_posted - debits_posted AS posted, "
                        "debits_pending, credits_pending FROM ledger_accounts "
                        "WHERE code = 'user_wallet'"
                    )
                )
            ).all()
        )
    return sums, wallets


def judge(snapshots: Snapshots, sums: list[Any], wallets: list[Any]) -> None:
    snapshots.reads += 1
    where = f"snapshot {snapshots.reads} at {time.strftime('%H:%M:%S')}"
    problems = []
    for unit in {row.unit for row in sums}:
        rows = [row for row in sums if row.unit == unit]
        posted = sum(int(row.posted) for row in rows)
        pending = sum(int(row.pending) for row in rows)
        if posted or pending:
            problems.append(f"{unit}: posted sums to {posted}, pending to {pending}")
    inside = [row for row in sums if row.unit == "KRW" and row.code not in OUTSIDE]
    held = sum(int(row.posted) for row in inside)
    held_pending = sum(int(row.pending) for row in inside)
    if snapshots.total is None:
        snapshots.total = held
    elif held != snapshots.total:
        problems.append(f"money held inside is {held:,}, was {snapshots.total:,}")
    if held_pending:
        problems.append(f"{held_pending:,} pending between inside and outside accounts")
    wallet_sum = next((int(row.posted) for row in sums if row.code == "user_wallet"), 0)
    listed = sum(int(row.posted) for row in wallets)
    if listed != wallet_sum:
        problems.append(f"wallets one by one sum to {listed:,}, their total says {wallet_sum:,}")
    for row in wallets:
        if row.posted - row.debits_pending < 0:
            problems.append(
                f"wallet of user {row.owner_id} overdrawn: {row.posted - row.debits_pending}"
            )
    for problem in problems:
        snapshots.anomalies.append(f"{where}: {problem}")
    if problems:
        detail = ", ".join(f"{r.code}={int(r.posted):,}/{int(r.pending):,}" for r in sums)
        snapshots.anomalies.append(f"{where}: by code (posted/pending): {detail}")


async def read_forever(database: Database, snapshots: Snapshots, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            sums, wallets = await snapshot(database)
        except Exception:  # noqa: BLE001 - a read refused (database restarting) is retried
            snapshots.failed_reads += 1
            await asyncio.sleep(0.2)
            continue
        judge(snapshots, sums, wallets)
        await asyncio.sleep(random.uniform(0.01, 0.1))


async def run(plan: Plan) -> tuple[checks.Verdict, int]:
    async with harness.stack(plan.database, plan.database_url, "bank-test") as run:
        api, book, server = run.api, run.book, run.server
        harness.say(f"creating {plan.users} users")
        users = await harness.people(api, plan.users, "79")
        shop = await harness.make_shop(run.url)
        clients = [
            harness.Client(api, book, users, shop, mix=BANK_TEST_MIX) for _ in range(plan.clients)
        ]
        for client in clients:
            client.send_max, client.pay_max, client.cancel_share = 300, 200, 0.4
            client.escrow = 0.2
        for user in users:
            await clients[0].charge(user, 500_000)
            response = await api.request(
                "PATCH", "/api/v1/me/settings", json={"auto_charge_enabled": False}, **_h(user)
            )
            assert response.status_code == 200, response.text
        database = Database(run.url)
        await checks.settle_everything(database, 60)  # the starting charges, all completed
        snapshots = Snapshots()
        stop = asyncio.Event()
        readers = [
            asyncio.create_task(read_forever(database, snapshots, stop))
            for _ in range(plan.readers)
        ]
        until = time.monotonic() + plan.seconds
        kills = 0

        async def kill() -> None:
            nonlocal kills
            if kills >= plan.kills:
                return
            kills += 1
            server.kill()
            await asyncio.to_thread(server.start)
            harness.say(f"server killed and back ({kills}/{plan.kills})")

        load = asyncio.create_task(harness.run_clients(clients, plan.seconds, plan.seed))
        every = (plan.seconds / (plan.kills + 1) * 0.5, plan.seconds / (plan.kills + 1) * 1.5)
        if plan.kills:
            await harness.periodically(every, until, kill)
        await load
        harness.say(f"load stopped after {snapshots.reads} snapshots; ending open transfers")
        await clients[0].finish_transfers()
        stop.set()
        await asyncio.gather(*readers)
        judge(snapshots, *(await snapshot(database)))  # and once more, everything ended
        await database.dispose()
        verdict = await checks.check(run.url, run.work, book, users, shop)
        for anomaly in snapshots.anomalies:
            verdict.fail(anomaly)
        verdict.figures = {
            "database": plan.database,
            "seconds": plan.seconds,
            "clients / readers": f"{plan.clients} / {plan.readers}",
            "server kills": kills,
            "snapshots read": snapshots.reads,
            "snapshots refused": snapshots.failed_reads,
            "money held inside": f"{snapshots.total:,}" if snapshots.total is not None else "-",
            "snapshot anomalies": len([a for a in snapshots.anomalies if "by code" not in a]),
            **verdict.figures,
        }
        status = checks.report("bank test (Jepsen shape)", verdict, run.stats, book)
        return verdict, status


def _h(user: harness.User) -> dict[str, Any]:
    return {"headers": user.auth}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--kills", type=int, default=0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    plan = Plan(
        args.database,
        args.seconds,
        args.users,
        args.clients,
        args.readers,
        args.kills,
        args.seed,
    )
    print(f"seed {plan.seed}")
    _, status = asyncio.run(run(plan))
    raise SystemExit(status)


if __name__ == "__main__":
    main()
