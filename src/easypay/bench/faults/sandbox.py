"""The sandbox bank and card issuer misbehaving under load: while clients charge, withdraw, send
to people and to bank accounts and pay in stores by Pay Money and by card, faults are injected at
random through the sandboxes' own fault APIs — declines, timeouts (the answer comes after
EasyPay gave up; the work is done late) and `fail_after_success` (the work is done, the answer is
a 500) — and some calls are sent twice at the same moment (a double click). Afterwards the faults
are cleared, the worker's reconciliation must bring every bank operation and card job to a final
state, and the checks of `checks.check` run (the card check included: what each card used at
the issuer is what the terminals were told). The sandboxes run in their own process
(`serve_sandbox`), reached over HTTP as a real bank is. Exit status 1 on any violation.

    python -m easypay.bench.faults.sandbox --database postgres --seconds 120
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from easypay.bench.faults import checks, harness

BANK_FAULTS = (
    ("withdraw", "decline"),
    ("withdraw", "timeout"),
    ("withdraw", "fail_after_success"),
    ("deposit", "decline"),
    ("deposit", "timeout"),
    ("deposit", "fail_after_success"),
)
CARD_FAULTS = (
    ("authorize", "decline"),
    ("authorize", "timeout"),
    ("authorize", "fail_after_success"),
    ("capture", "timeout"),
    ("capture", "fail_after_success"),
    ("cancel", "timeout"),
    ("cancel", "fail_after_success"),
)


@dataclass
class Plan:
    database: str = "postgres"
    seconds: float = 120.0
    users: int = 8
    clients: int = 8
    fault_every: tuple[float, float] = (0.3, 1.5)
    twice: float = 0.15
    seed: int = 1
    database_url: str | None = None


# The crash test's mix plus withdrawals and card payments (sandbox-heavy calls).
SANDBOX_MIX: harness.Mix = (
    ("charge", 24),
    ("withdraw", 15),
    ("pos_card", 35),
    ("transfer", 12),
    ("pos", 8),
    ("bank_transfer", 6),
)


async def inject(api: harness.Api, rng: random.Random, stats: dict[str, int]) -> None:
    if rng.random() < 0.5:
        operation, mode = rng.choice(BANK_FAULTS)
        path, token = "/sandbox/bank/_sandbox/faults", harness.BANK_TOKEN
    else:
        operation, mode = rng.choice(CARD_FAULTS)
        path, token = "/sandbox/card/_sandbox/faults", harness.CARD_TOKEN
    body: dict[str, Any] = {"operation": operation, "mode": mode, "count": rng.randint(1, 3)}
    if mode == "timeout":
        body["delay_seconds"] = rng.choice((2.5, 4.0))  # the adapters give up after 2 s
    response = await api.request(
        "POST", path, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    stats[f"{operation} {mode}"] = stats.get(f"{operation} {mode}", 0) + body["count"]


async def clear_faults(api: harness.Api) -> None:
    for path, token in (
        ("/sandbox/bank/_sandbox/faults", harness.BANK_TOKEN),
        ("/sandbox/card/_sandbox/faults", harness.CARD_TOKEN),
    ):
        await api.request("DELETE", path, headers={"Authorization": f"Bearer {token}"})


async def run(plan: Plan) -> tuple[checks.Verdict, int]:
    async with harness.stack(plan.database, plan.database_url, "sandbox") as run:
        api, book = run.api, run.book
        harness.say(f"creating {plan.users} users, with cards")
        users = await harness.people(api, plan.users, "78", cards=True)
        accounts = await harness.landlords(api, 2, "78")
        shop = await harness.make_shop(run.url)
        clients = [
            harness.Client(api, book, users, shop, plan.twice, SANDBOX_MIX)
            for _ in range(plan.clients)
        ]
        for client in clients:
            client.cancel_share = 0.4
            client.bank_accounts = accounts
        for user in users:
            await clients[0].charge(user, 200_000)
        injected: dict[str, int] = {}
        rng = random.Random(plan.seed)
        until = time.monotonic() + plan.seconds

        async def fault() -> None:
            await inject(api, rng, injected)

        load = asyncio.create_task(harness.run_clients(clients, plan.seconds, plan.seed))
        await harness.periodically(plan.fault_every, until, fault)
        await load
        await clear_faults(api)
        harness.say("load stopped, faults cleared; ending transfers and waiting for the worker")
        await clients[0].finish_transfers()
        verdict = await checks.check(run.url, run.work, book, users, shop, accounts=accounts)
        verdict.figures = {
            "database": plan.database,
            "seconds": plan.seconds,
            "faults injected": sum(injected.values()),
            "faults by kind": injected,
            **verdict.figures,
        }
        status = checks.report("sandbox bank and card issuer faults", verdict, run.stats, book)
        return verdict, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    plan = Plan(args.database, args.seconds, args.users, args.clients, seed=args.seed)
    print(f"seed {plan.seed}")
    _, status = asyncio.run(run(plan))
    raise SystemExit(status)


if __name__ == "__main__":
    main()
