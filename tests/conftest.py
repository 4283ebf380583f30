"""Test infrastructure shared by every package's tests.

The suite runs on SQLite by default and on PostgreSQL when EASYPAY_TEST_DATABASE_URL is set
(`make test` does both). The database is built once by the Alembic migrations and emptied before
each test; after each test the ledger invariants are verified (`easypay ledger verify`).

A live server (uvicorn on a free port, in a thread) serves the whole app including the sandbox
bank, so the bank gateway speaks real HTTP; API tests talk to an in-process app through httpx.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select, text

from easypay.app import create_app
from easypay.cli import run_migrations
from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock as process_clock
from easypay.kit.crypto import use_fast_password_hashing
from easypay.ledger import service as ledger
from easypay.ledger.accounts import TRANSFER_ESCROW
from easypay.ledger.verify import verify
from easypay.models import Base, LedgerAccount, PersonTransfer
from easypay.models.base import table_of

TEST_SECRET = "7e" * 32
use_fast_password_hashing()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("EASYPAY_TEST_DATABASE_URL")
    if not url:
        path = tmp_path_factory.mktemp("db") / "easypay-test.db"
        url = f"sqlite+aiosqlite:///{path}"
    run_migrations(url)
    return url


@pytest.fixture(scope="session")
def live_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def settings(
    database_url: str, live_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=Path(tmp_path_factory.mktemp("var")),
        secret_key=TEST_SECRET,
        base_url=f"http://127.0.0.1:{live_port}",
        bank_timeout_seconds=2.0,
        bank_reconcile_after_seconds=0,
        db_pool_size=20,
    )


class LiveServer:
    def __init__(self, app: FastAPI, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def live_server(settings: Settings, live_port: int) -> Iterator[LiveServer]:
    """The whole app, sandbox bank included, on a real port (its own engine and loop)."""
    server = LiveServer(create_app(settings), live_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def app(settings: Settings, live_server: LiveServer) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def database(app: FastAPI) -> Database:
    db: Database = app.state.database
    return db


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _empty_all_tables(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with database.transaction() as session:
        if database.is_sqlite:
            for name in tables:
                await session.execute(text(f'DELETE FROM "{name}"'))
        else:
            joined = ", ".join(f'"{name}"' for name in tables)
            await session.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
        await ledger.ensure_system_accounts(session)


@pytest.fixture(autouse=True)
async def _clean_database_and_verify_ledger(
    request: pytest.FixtureRequest, database: Database
) -> AsyncIterator[None]:
    """Every test starts on an empty database, and leaves the ledger's invariants intact."""
    if "no_database" in request.keywords:
        yield
        return
    await _empty_all_tables(database)
    yield
    process_clock.reset()
    async with database.transaction() as session:
        report = await verify(session)
    assert report.ok, "ledger verify failed after the test:\n" + "\n".join(report.failures())
    await _assert_escrow_holds_what_is_in_flight(database)


async def _assert_escrow_holds_what_is_in_flight(database: Database) -> None:
    """Transfer escrow holds exactly the transfers still waiting to be received; it is empty
    when nothing is in flight (no money stuck in or missing from it)."""
    escrow = table_of(LedgerAccount)
    waiting = table_of(PersonTransfer)
    async with database.transaction() as session:
        held, posted = (
            await session.execute(
                select(
                    func.coalesce(func.sum(escrow.c.credits_pending - escrow.c.debits_pending), 0),
                    func.coalesce(func.sum(escrow.c.credits_posted - escrow.c.debits_posted), 0),
                ).where(escrow.c.code == TRANSFER_ESCROW)
            )
        ).one()
        in_flight = (
            await session.execute(
                select(func.coalesce(func.sum(waiting.c.amount), 0)).where(
                    waiting.c.status == "sent"
                )
            )
        ).scalar_one()
    assert (held, posted) == (in_flight, 0), (
        f"transfer escrow holds {held} (posted {posted}) but {in_flight} is in flight"
    )


@pytest.fixture
def fake_clock() -> Iterator[object]:
    from easypay.kit.clock import FakeClock, SystemClock

    fake = FakeClock(SystemClock().now())
    process_clock.use(fake)
    yield fake
    process_clock.reset()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_database: a pure unit test that needs no database")
    backend = "PostgreSQL" if os.environ.get("EASYPAY_TEST_DATABASE_URL") else "SQLite"
    print(f"\n### EasyPay tests on {backend}")


# Keep asyncio happy when a test leaves tasks behind.
asyncio.get_event_loop_policy()
