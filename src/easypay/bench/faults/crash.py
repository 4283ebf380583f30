"""Crash test: clients move money (charge; send + receive/cancel; money request + pay/decline;
transfer to a bank account; POS payment + cancel; online payment by Pay Money and by card +
cancel), each call with its own Idempotency-Key, while the server is killed with SIGKILL at
random moments (`--kill server`) or PostgreSQL is stopped in immediate mode (`--kill
postgres`), then restarted; clients retry with the same keys until they get an answer. The
sandbox bank and card issuer run in a process of their own that is never killed, as a real bank
is not. Afterwards the checks of `checks.check` run. Exit status 1 on any violation.

    python -m easypay.bench.faults.crash --database postgres --rounds 20
    python -m easypay.bench.faults.crash --database postgres --kill postgres --rounds 20
    python -m easypay.bench.faults.crash --database sqlite --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass
from pathlib import Path

from easypay.bench.faults import checks, harness


@dataclass
class Plan:
    database: str = "postgres"  # or "sqlite"
    kill: str = "server"  # or "postgres"
    rounds: int = 20
    users: int = 8
    clients: int = 8
    every: tuple[float, float] = (2.0, 5.0)  # seconds between kills
    down: tuple[float, float] = (0.0, 1.5)  # seconds the victim stays down
    seed: int = 1
    online: bool = True  # online payments (ready → checkout → approve) in the mix
    database_url: str | None = None  # an existing, empty database instead of our own


async def run(plan: Plan, workdir: Path | None = None) -> tuple[checks.Verdict, int]:
    """Run the plan; (verdict, exit status). Prints the summary."""
    if plan.kill == "postgres" and (plan.database != "postgres" or plan.database_url):
        raise SystemExit("--kill postgres needs our own PostgreSQL cluster")
    async with harness.stack(plan.database, plan.database_url, "crash", workdir) as run:
        api, book, server, cluster = run.api, run.book, run.server, run.cluster
        harness.say(f"creating {plan.users} users, with cards")
        users = await harness.people(api, plan.users, "77", cards=True)
        accounts = await harness.landlords(api, 2, "77")
        shop = await harness.make_shop(run.url)
        mix = tuple(
            (name, weight)
            for name, weight in harness.CRASH_MIX
            if plan.online or not name.startswith("online")
        )
        clients = [harness.Client(api, book, users, shop, mix=mix) for _ in range(plan.clients)]
        for client in clients:
            client.bank_accounts = accounts
        for user in users:  # a starting balance, so sends and payments have something to move
            await clients[0].charge(user, 200_000)
        stop = asyncio.Event()
        rounds = 0

        async def crash() -> None:
            nonlocal rounds
            rounds += 1
            before = book.operations
            if plan.kill == "server":
                server.kill()
            else:
                assert cluster is not None
                await asyncio.to_thread(cluster.stop, "immediate")
            await asyncio.sleep(random.uniform(*plan.down))
            if plan.kill == "server":
                await asyncio.to_thread(server.start)
            else:
                assert cluster is not None
                await asyncio.to_thread(cluster.start)
            harness.say(
                f"round {rounds}/{plan.rounds}: {plan.kill} killed and back "
                f"({before} operations acknowledged before it)"
            )

        async def crasher() -> None:
            rng = random.Random(plan.seed)
            while rounds < plan.rounds:
                await asyncio.sleep(rng.uniform(*plan.every))
                await crash()
            stop.set()

        load = asyncio.create_task(harness.run_clients(clients, 10**9, plan.seed, stop))
        await crasher()
        await load
        harness.say("load stopped; ending every open transfer and waiting for the worker")
        await clients[0].finish_transfers()
        verdict = await checks.check(
            run.url, run.work, book, users, shop, plan.kill == "server", accounts
        )
        verdict.figures = {
            "database": plan.database,
            "killed": plan.kill,
            "rounds": rounds,
            "server starts": server.starts,
            "sandbox starts": run.sandbox.starts,
            **verdict.figures,
        }
        status = checks.report(f"crash test ({plan.kill} killed)", verdict, run.stats, book)
        return verdict, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--kill", choices=("server", "postgres"), default="server")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    plan = Plan(
        database=args.database,
        kill=args.kill,
        rounds=args.rounds,
        users=args.users,
        clients=args.clients,
        seed=args.seed,
    )
    print(f"seed {plan.seed}")
    _, status = asyncio.run(run(plan))
    raise SystemExit(status)


if __name__ == "__main__":
    main()
