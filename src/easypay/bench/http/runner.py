"""Set up, start the server, run each scenario at each scale, stop, `ledger verify`."""

from __future__ import annotations

import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from easypay.bench.http import cpu
from easypay.bench.http import population as people
from easypay.bench.http.load_client import LoadClient
from easypay.bench.http.scenarios import SCENARIOS, Context, client_loop
from easypay.bench.http.server import Server
from easypay.bench.http.stats import Measurement
from easypay.bench.ledger import BenchDatabase, _run_on_app_loop, _server_facts
from easypay.config import Settings
from easypay.ledger.verify import verify

# Targets of issue 6 (bench/README.md): flows/s as a share of pgbench's tx/s, p99 in ms.
TARGETS: dict[str, dict[str, float]] = {
    "send": {"share_of_pgbench": 0.25, "p99_ms": 100.0},
    "pos": {"share_of_pgbench": 0.25, "p99_ms": 100.0},
    "history": {"p99_ms": 20.0},
}
SCALE_TOLERANCE = 0.10  # throughput at the largest --accounts within 10 % of the smallest


async def run_http_bench(
    settings: Settings,
    scenarios: Sequence[str],
    seconds: float,
    concurrency: int,
    accounts: Sequence[int],
    workers: int,
    history_entries: int,
    pool_size: int,
    merchants: int = 1,
    history_concurrency: int = 1,
    log_dir: Path | None = None,
) -> dict[str, Any]:
    """The figures of one run (see bench/README.md); runs on uvloop like the server.

    The history scenario runs at `history_concurrency` clients: its target is the latency of
    one read at 100,000 entries, not of a queue behind a saturated server."""
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenario(s) {sorted(unknown)}; known: {sorted(SCENARIOS)}")
    if concurrency < 2:
        raise ValueError("The benchmark needs at least two clients (a sender and a friend).")
    wanted = list(dict.fromkeys(scenarios))
    levels = sorted(set(accounts)) or [0]
    logs = log_dir or Path(tempfile.mkdtemp(prefix="easypay-bench-http-"))
    return await asyncio.to_thread(
        _run_on_app_loop,
        lambda: _bench(
            settings,
            wanted,
            seconds,
            concurrency,
            levels,
            workers,
            history_entries,
            pool_size,
            logs,
            max(1, merchants),
            max(1, min(history_concurrency, concurrency)),
        ),
    )


async def _bench(
    settings: Settings,
    scenarios: list[str],
    seconds: float,
    concurrency: int,
    levels: list[int],
    workers: int,
    history_entries: int,
    pool_size: int,
    logs: Path,
    merchants: int,
    history_concurrency: int,
) -> dict[str, Any]:
    from easypay.cli import run_migrations

    await asyncio.to_thread(run_migrations, settings.database_url)
    database = BenchDatabase(settings.database_url, pool_size=4)
    server = Server(settings.database_url, workers, pool_size, logs)
    figures: dict[str, Any] = {
        "database": await _server_facts(database),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server": {
            "workers": workers,
            "worker_process": 1,
            "db_pool_size": pool_size,
            "logs": str(logs),
        },
        "concurrency": concurrency,
        "history_concurrency": history_concurrency,
        "merchants": merchants,
        "seconds_per_measurement": seconds,
        "scenarios": scenarios,
    }
    try:
        started = time.perf_counter()
        filled = await people.fill_accounts(database, levels[0])
        client = people.setup_client(server.base_url)
        load = LoadClient(server.base_url, concurrency)
        try:
            await asyncio.to_thread(server.start)
            population = await people.populate(
                client,
                database,
                concurrency,
                history_entries if "history" in scenarios else 0,
                merchants,
            )
            figures["set_up"] = {
                "users_via_api": len(population.users) + (population.history_user is not None),
                "history_entries": population.history_entries,
                "accounts": filled,
                "seconds": round(time.perf_counter() - started, 1),
            }
            runs: list[dict[str, Any]] = []
            for level in levels:
                if level != levels[0]:
                    filled = await people.fill_accounts(database, level)
                    figures["set_up"][f"accounts_{level}"] = filled
                users = filled["users"]
                for name in scenarios:
                    clients = history_concurrency if name == "history" else concurrency
                    measurement = Measurement(name, clients, users)
                    await _measure(load, population, measurement, seconds, server)
                    runs.append(measurement.as_dict())
            figures["runs"] = runs
        finally:
            await client.aclose()
            await load.aclose()
            await asyncio.to_thread(server.stop)
        async with database.transaction() as session:
            report = await verify(session)
        figures["verify"] = {
            "ok": report.ok,
            "accounts": report.accounts,
            "transfers": report.transfers,
            "failures": report.failures(),
        }
        figures["targets"] = TARGETS
        return figures
    finally:
        await database.dispose()


async def _measure(
    client: LoadClient,
    population: people.Population,
    measurement: Measurement,
    seconds: float,
    server: Server,
) -> None:
    """A short warm-up (connections, prepared statements, caches), then the measurement."""
    flow = SCENARIOS[measurement.scenario]
    warm_up = Measurement(measurement.scenario, measurement.concurrency, measurement.accounts)
    for target, duration, record in (
        (warm_up, min(2.0, seconds / 5), False),
        (measurement, seconds, True),
    ):
        context = Context(client, population, target)
        before = cpu.snapshot(*server.pids())
        deadline = time.perf_counter() + duration
        started = time.perf_counter()
        await asyncio.gather(
            *(
                client_loop(context, flow, index, deadline, record)
                for index in range(target.concurrency)
            )
        )
        target.seconds = time.perf_counter() - started
        target.cpu_seconds = cpu.spent(before, cpu.snapshot(*server.pids()))
    # The warm-up's requests are not figures; only its failures are worth a look.
    for what, count in warm_up.errors.items():
        measurement.errors[f"warm-up: {what}"] = count
