"""The sandbox bank and card issuer misbehaving under load: while clients charge, withdraw, send
and pay in stores by Pay Money and by card, faults are injected at random through the sandboxes'
own fault APIs — declines, timeouts (the answer comes after EasyPay gave up; the work is done
late) and `fail_after_success` (the work is done, the answer is a 500) — and some calls are sent
twice at the same moment (a double click). Afterwards the faults are cleared, the worker's
reconciliation must bring every bank operation and card job to a final state, and the checks of
`checks.check` run (the card check included: what each card used at the issuer is what the
terminals were told). Exit status 1 on any violation.

    python -m easypay.bench.faults.sandbox --database postgres --seconds 120
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
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


class SandboxClient(harness.Client):
    """The crash test's mix plus withdrawals and card payments (sandbox-heavy calls)."""

    async def random_operation(self, rng: random.Random) -> None:
        user = rng.choice(self.users)
        roll = rng.random()
        if roll < 0.2:
            await self.charge(user, rng.randrange(1, 6) * 10_000)
        elif roll < 0.35:
            await self.withdraw(user, rng.randrange(1, 30) * 1_000)
        elif roll < 0.7:
            amount = rng.randrange(1, 80) * 100
            request_id = await self.pos_pay(user, amount, card=True)
            if request_id is not None and rng.random() < 0.4:
                await self.pos_cancel(request_id, rng.randrange(1, amount // 100 + 1) * 100)
        else:
            await super().random_operation(rng)


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
    work = Path(tempfile.mkdtemp(prefix="easypay-sandbox-"))
    cluster = None
    server = None
    try:
        if plan.database_url is not None:
            url = plan.database_url
        elif plan.database == "postgres":
            cluster = harness.PgCluster(work)
            cluster.init()
            url = cluster.url
        else:
            url = f"sqlite+aiosqlite:///{work / 'easypay.db'}"
        harness.migrate(url, work)
        server = harness.Server(url, work)
        server.start()
        stats = harness.Stats()
        book = harness.Book()
        api = harness.Api(server.base_url, stats)
        harness.say(f"{plan.database}: server on {server.base_url}; creating {plan.users} users")
        users = [await harness.make_user(api, i, "78") for i in range(plan.users)]
        for user in users:
            await harness.give_card(api, user)
        shop = await harness.make_shop(url)
        clients: list[harness.Client] = [
            SandboxClient(api, book, users, shop, plan.twice) for _ in range(plan.clients)
        ]
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
        verdict = await checks.check(url, work, book, users, shop)
        verdict.figures = {
            "database": plan.database,
            "seconds": plan.seconds,
            "faults injected": sum(injected.values()),
            "faults by kind": injected,
            **verdict.figures,
        }
        await api.aclose()
        status = checks.report("sandbox bank and card issuer faults", verdict, stats, book)
        return verdict, status
    finally:
        if server is not None:
            server.close()
        if cluster is not None:
            cluster.destroy()
        if harness.keep_workdir():
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


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
