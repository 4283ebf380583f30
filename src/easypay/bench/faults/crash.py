"""Crash test: clients move money (charge, send + receive/cancel, POS payment + cancel), each call
with its own Idempotency-Key, while the server is killed with SIGKILL at random moments
(`--kill server`) or PostgreSQL is stopped in immediate mode (`--kill postgres`), then restarted;
clients retry with the same keys until they get an answer. Afterwards the checks of
`checks.check` run. Exit status 1 on any violation.

    python -m easypay.bench.faults.crash --database postgres --rounds 20
    python -m easypay.bench.faults.crash --database postgres --kill postgres --rounds 20
    python -m easypay.bench.faults.crash --database sqlite --rounds 20
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
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="easypay-crash-")) if workdir is None else workdir
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
        if plan.kill == "postgres" and cluster is None:
            raise SystemExit("--kill postgres needs our own PostgreSQL cluster")
        harness.migrate(url, work)
        server = harness.Server(url, work)
        server.start()
        stats = harness.Stats()
        book = harness.Book()
        api = harness.Api(server.base_url, stats)
        harness.say(f"{plan.database}: server on {server.base_url}; creating {plan.users} users")
        users = [await harness.make_user(api, i, "77") for i in range(plan.users)]
        shop = await harness.make_shop(url)
        clients = [harness.Client(api, book, users, shop) for _ in range(plan.clients)]
        for client in clients:
            client.online = plan.online
        for user in users:  # a starting balance, so sends and payments have something to move
            await clients[0].charge(user, 200_000)
        stop = asyncio.Event()
        victim = server if plan.kill == "server" else cluster
        assert victim is not None
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
        verdict = await checks.check(url, work, book, users, shop, plan.kill == "server")
        verdict.figures = {
            "database": plan.database,
            "killed": plan.kill,
            "rounds": rounds,
            "server starts": server.starts,
            **verdict.figures,
        }
        await api.aclose()
        status = checks.report(f"crash test ({plan.kill} killed)", verdict, stats, book)
        return verdict, status
    finally:
        if server is not None:
            server.close()
        if cluster is not None:
            cluster.destroy()
        if own and not harness.keep_workdir():
            shutil.rmtree(work, ignore_errors=True)
        elif own:
            print(f"kept {work}")


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
