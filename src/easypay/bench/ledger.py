"""`easypay bench ledger`: random transfers between funded user wallets.

Measures single transfers (one transaction each: `database.transaction()` + `ledger.transfer`)
at several concurrency levels, and the batch entry point (`ledger.create_transfers`, one
transaction per call), then runs `ledger verify` over everything the run wrote. bench/README.md
says how to run it next to pgbench and what it printed on the project's machine.

The wallets belong to owner ids -1 .. -N, which no user can have, so a run can reuse the
wallets of an earlier one. They are funded from the bank clearing accounts through ledger
transfers (the batch entry point), so `easypay ledger verify` holds afterwards.

Timing covers what a caller waits for: a single transfer from `database.transaction()` to its
commit; a batch from the call to its commit (throughput also counts building the requests).
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.ledger.accounts import BANK_CLEARING, SYSTEM_SHARDS, USER_WALLET, WALLET_FLAGS
from easypay.ledger.errors import CapExceeded, InsufficientFunds
from easypay.ledger.schemas import TransferRequest, TransferResult
from easypay.ledger.verify import verify
from easypay.models import LedgerAccount

UNIT = "KRW"
CODE = "bench_transfer"
FUNDING = 1_000_000  # every wallet is topped up to this before measuring
LARGEST_TRANSFER = 10_000
SET_UP_CHUNK = 1_000
# Batch callers: two, so that one builds its requests while the other's batch is in the
# database (about 10-30 % more than one on the 2-core machine; more only queue on row locks).
BATCH_CALLERS = 2
# Which write paths to measure: "service" (ledger.transfer / create_transfers, what the app
# calls: on PostgreSQL one statement each, via ledger.postgres) and "portable" (the path SQLite
# runs, measured on PostgreSQL for comparison). bench/ledger_vs_pgbench.sh sets both.
PATHS_VARIABLE = "EASYPAY_BENCH_PATHS"

SingleCall = Callable[[AsyncSession, TransferRequest], Awaitable[object]]
BatchCall = Callable[[AsyncSession, Sequence[TransferRequest]], Awaitable[list[TransferResult]]]


class BenchDatabase(Database):
    """The app's Database without the pool's pre-ping.

    With pre-ping, every checkout first runs BEGIN / ping / ROLLBACK: three extra round trips
    per transaction, more than the transfer itself costs on the fast path. A benchmark's
    connections never go stale, so it measures the write path without it.
    """

    def __init__(self, url: str, pool_size: int) -> None:
        super().__init__(url, pool_size)
        if not self.is_sqlite:
            self.engine = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False
            )
            self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)


@dataclass
class Measurement:
    kind: str
    path: str
    concurrency: int
    batch_size: int = 1
    transfers: int = 0
    refused: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # per call, in seconds

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        figures: dict[str, Any] = {
            "kind": self.kind,
            "path": self.path,
            "concurrency": self.concurrency,
            "transfers": self.transfers,
            "refused": self.refused,
            "seconds": round(self.seconds, 2),
            "transfers_per_second": round(self.transfers / self.seconds, 1) if self.seconds else 0,
            "p50_ms": _percentile_ms(ordered, 50),
            "p99_ms": _percentile_ms(ordered, 99),
        }
        if self.kind == "batch":
            figures["batch_size"] = self.batch_size
            figures["calls"] = len(self.latencies)
        return figures


def _percentile_ms(ordered: list[float], percent: int) -> float:
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, -(-len(ordered) * percent // 100) - 1))
    return round(ordered[rank] * 1000, 2)


async def run_ledger_bench(
    settings: Settings,
    accounts: int,
    seconds: float,
    concurrency_levels: Sequence[int],
    batch_size: int,
    processes: int = 1,
) -> dict[str, Any]:
    """Set up and fund `accounts` wallets, measure, verify; returns the figures.

    With `processes` > 1 each measurement's callers are split among that many processes
    started together (as `easypay serve` runs several workers): one Python process is the
    bottleneck of single transfers, not the database.

    Runs on uvloop in a thread of its own when uvloop is installed: `easypay serve` (uvicorn)
    runs the app on it, so that is the loop the write path lives on.
    """
    if accounts < 2:
        raise ValueError("The benchmark needs at least two wallets.")
    levels = list(concurrency_levels)
    return await asyncio.to_thread(
        _run_on_app_loop,
        lambda: _bench(settings, accounts, seconds, levels, batch_size, max(1, processes)),
    )


def _run_on_app_loop(bench: Callable[[], Coroutine[Any, Any, dict[str, Any]]]) -> dict[str, Any]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        figures = asyncio.run(bench())
        figures["event_loop"] = "asyncio"
        return figures
    figures = uvloop.run(bench())
    figures["event_loop"] = "uvloop"
    return figures


async def _bench(
    settings: Settings,
    accounts: int,
    seconds: float,
    levels: list[int],
    batch_size: int,
    processes: int = 1,
) -> dict[str, Any]:
    from easypay.cli import run_migrations

    await asyncio.to_thread(run_migrations, settings.database_url)
    paths = _paths(settings)
    database = BenchDatabase(settings.database_url, pool_size=max([*levels, 2]))
    try:
        figures: dict[str, Any] = {
            "database": await _server_facts(database),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "pool_pre_ping": False,
            "accounts": accounts,
            "seconds_per_measurement": seconds,
            "processes": processes,
        }
        started = time.perf_counter()
        wallets, created, funded = await _prepare_wallets(database, accounts)
        figures["set_up"] = {
            "wallets_created": created,
            "funding_transfers": funded,
            "seconds": round(time.perf_counter() - started, 2),
        }
        cap = settings.money_holding_cap
        single: list[dict[str, Any]] = []
        batch: list[dict[str, Any]] = []
        spread = _Spread(settings.database_url, wallets, seconds, cap, processes)
        try:
            for path in paths:
                one, many = _entry_points(path)
                for level in levels:
                    measurement = Measurement("single", path, level)
                    await spread.measure(database, measurement, one, many)
                    single.append(measurement.as_dict())
                measurement = Measurement("batch", path, BATCH_CALLERS, batch_size)
                await spread.measure(database, measurement, one, many)
                batch.append(measurement.as_dict())
        finally:
            spread.close()
        figures["single"] = single
        figures["batch"] = batch
        async with database.transaction() as session:
            report = await verify(session)
        figures["verify"] = {
            "ok": report.ok,
            "accounts": report.accounts,
            "transfers": report.transfers,
            "failures": report.failures(),
        }
        return figures
    finally:
        await database.dispose()


def _paths(settings: Settings) -> list[str]:
    wanted = [p.strip() for p in os.environ.get(PATHS_VARIABLE, "service").split(",") if p.strip()]
    unknown = set(wanted) - {"service", "portable"}
    if unknown:
        raise ValueError(f"{PATHS_VARIABLE}: unknown path(s) {sorted(unknown)}")
    if settings.is_sqlite:  # there the service is the portable path
        wanted = [p for p in wanted if p != "portable"]
    return wanted or ["service"]


def _entry_points(path: str) -> tuple[SingleCall, BatchCall]:
    if path == "portable":
        return ledger.portable_transfer, ledger.portable_create_transfers
    return ledger.transfer, ledger.create_transfers


async def _server_facts(database: Database) -> dict[str, Any]:
    if database.is_sqlite:
        return {"engine": "SQLite"}
    names = (
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "wal_sync_method",
        "shared_buffers",
        "max_connections",
    )
    async with database.transaction() as session:
        version = (await session.execute(text("SHOW server_version"))).scalar_one()
        settings = {
            name: (await session.execute(text(f"SHOW {name}"))).scalar_one() for name in names
        }
    return {"engine": f"PostgreSQL {version}", "settings": settings}


# --- set-up -----------------------------------------------------------------------------------


async def _prepare_wallets(database: Database, count: int) -> tuple[list[int], int, int]:
    """The wallets of owners -1 .. -count, created if missing and topped up to FUNDING."""
    accounts = LedgerAccount.__table__
    owners = range(-count, 0)
    async with database.transaction() as session:
        await ledger.ensure_system_accounts(session, UNIT)
        existing = set(
            (
                await session.execute(
                    select(accounts.c.owner_id).where(
                        accounts.c.code == USER_WALLET,
                        accounts.c.unit == UNIT,
                        accounts.c.owner_id < 0,
                    )
                )
            ).scalars()
        )
        missing = [owner for owner in owners if owner not in existing]
        now = clock.now()
        for start in range(0, len(missing), SET_UP_CHUNK):
            rows = [
                {
                    "code": USER_WALLET,
                    "unit": UNIT,
                    "owner_id": owner,
                    "shard": 0,
                    "flags": WALLET_FLAGS,
                    "debits_pending": 0,
                    "debits_posted": 0,
                    "credits_pending": 0,
                    "credits_posted": 0,
                    "created_at": now,
                }
                for owner in missing[start : start + SET_UP_CHUNK]
            ]
            await session.execute(insert(LedgerAccount), rows)
        clearing = [
            await ledger.system_account_id(session, BANK_CLEARING, UNIT, shard)
            for shard in range(SYSTEM_SHARDS)
        ]
    async with database.transaction() as session:
        wallets = (
            await session.execute(
                select(
                    accounts.c.id,
                    accounts.c.credits_posted
                    - accounts.c.debits_posted
                    - accounts.c.debits_pending,
                )
                .where(
                    accounts.c.code == USER_WALLET,
                    accounts.c.unit == UNIT,
                    accounts.c.owner_id.between(-count, -1),
                )
                .order_by(accounts.c.id)
            )
        ).all()
    top_ups = [
        TransferRequest(
            clearing[index % SYSTEM_SHARDS], wallet_id, FUNDING - available, "bench_funding"
        )
        for index, (wallet_id, available) in enumerate(wallets)
        if available < FUNDING
    ]
    _, many = _entry_points("service")
    for start in range(0, len(top_ups), SET_UP_CHUNK):
        async with database.transaction() as session:
            results = await many(session, top_ups[start : start + SET_UP_CHUNK])
        failed = [result.error for result in results if not result.ok]
        if failed:
            raise RuntimeError(f"funding the benchmark wallets failed: {failed[0]!r}")
    return [wallet_id for wallet_id, _ in wallets], len(missing), len(top_ups)


# --- measuring --------------------------------------------------------------------------------


def _random_request(wallets: Sequence[int], cap: int) -> TransferRequest:
    debit, credit = random.sample(wallets, 2)
    return TransferRequest(debit, credit, random.randint(1, LARGEST_TRANSFER), CODE, credit_cap=cap)


class _Spread:
    """Runs a measurement in this process, or split among `processes` processes."""

    def __init__(
        self, url: str, wallets: Sequence[int], seconds: float, cap: int, processes: int
    ) -> None:
        self.url, self.wallets, self.seconds, self.cap = url, list(wallets), seconds, cap
        self.processes = processes
        self.pool: ProcessPoolExecutor | None = None
        if processes > 1:  # spawn: a fork would copy this process's loop and connections
            self.pool = ProcessPoolExecutor(processes, mp_context=get_context("spawn"))

    async def measure(
        self, database: Database, measurement: Measurement, one: SingleCall, many: BatchCall
    ) -> None:
        if self.pool is None or measurement.concurrency < self.processes:
            await _measure(database, self.wallets, self.seconds, self.cap, measurement, one, many)
            return
        share = measurement.concurrency // self.processes
        start_at = time.time() + 3.0  # past every process's start-up, so all measure together
        loop = asyncio.get_running_loop()
        parts = await asyncio.gather(
            *(
                loop.run_in_executor(
                    self.pool,
                    _measure_in_process,
                    self.url,
                    self.wallets,
                    self.seconds,
                    self.cap,
                    measurement.kind,
                    measurement.path,
                    share,
                    measurement.batch_size,
                    start_at,
                )
                for _ in range(self.processes)
            )
        )
        for transfers, refused, seconds, latencies in parts:
            measurement.transfers += transfers
            measurement.refused += refused
            measurement.seconds = max(measurement.seconds, seconds)
            measurement.latencies.extend(latencies)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _measure_in_process(
    url: str,
    wallets: list[int],
    seconds: float,
    cap: int,
    kind: str,
    path: str,
    concurrency: int,
    batch_size: int,
    start_at: float,
) -> tuple[int, int, float, list[float]]:
    """One process's share of a measurement (runs in a spawned process, on uvloop)."""

    async def run() -> tuple[int, int, float, list[float]]:
        database = BenchDatabase(url, pool_size=max(concurrency, 2))
        try:
            one, many = _entry_points(path)
            measurement = Measurement(kind, path, concurrency, batch_size)
            await asyncio.sleep(max(0.0, start_at - time.time()))
            await _measure(database, wallets, seconds, cap, measurement, one, many)
            return (
                measurement.transfers,
                measurement.refused,
                measurement.seconds,
                measurement.latencies,
            )
        finally:
            await database.dispose()

    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(run())
    return uvloop.run(run())


async def _measure(
    database: Database,
    wallets: Sequence[int],
    seconds: float,
    cap: int,
    measurement: Measurement,
    one: SingleCall,
    many: BatchCall,
) -> None:
    """Warm up (prepared statements, pool), then run `measurement.concurrency` callers."""
    warm_up = Measurement(
        measurement.kind, measurement.path, measurement.concurrency, measurement.batch_size
    )
    for target, duration in ((warm_up, min(1.0, seconds / 5)), (measurement, seconds)):
        deadline = time.perf_counter() + duration
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _single_caller(database, wallets, cap, deadline, target, one)
                if target.kind == "single"
                else _batch_caller(database, wallets, cap, deadline, target, many)
                for _ in range(target.concurrency)
            )
        )
        target.seconds = time.perf_counter() - started


async def _single_caller(
    database: Database,
    wallets: Sequence[int],
    cap: int,
    deadline: float,
    measurement: Measurement,
    one: SingleCall,
) -> None:
    while time.perf_counter() < deadline:
        request = _random_request(wallets, cap)
        started = time.perf_counter()
        try:
            async with database.transaction() as session:
                await one(session, request)
            measurement.transfers += 1
        except (InsufficientFunds, CapExceeded):
            measurement.refused += 1
        measurement.latencies.append(time.perf_counter() - started)


async def _batch_caller(
    database: Database,
    wallets: Sequence[int],
    cap: int,
    deadline: float,
    measurement: Measurement,
    many: BatchCall,
) -> None:
    while time.perf_counter() < deadline:
        requests = [_random_request(wallets, cap) for _ in range(measurement.batch_size)]
        started = time.perf_counter()
        async with database.transaction() as session:
            results = await many(session, requests)
        measurement.latencies.append(time.perf_counter() - started)
        made = sum(1 for result in results if result.ok)
        measurement.transfers += made
        measurement.refused += len(results) - made
