"""Engines and sessions; the only place that commits.

SQLite (embedded) runs every transaction as `BEGIN IMMEDIATE` in WAL mode so that concurrent
writers queue on the busy timeout instead of failing on a lock upgrade. PostgreSQL runs READ
COMMITTED; correctness under concurrency comes from conditional updates and row locks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_

from easypay.errors import InvalidInput


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _make_sqlite_transactions_immediate(engine)
    else:
        engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
        _ping_in_one_round_trip(engine)
    _refuse_nul_characters(engine)
    return engine


def _has_nul(parameters: Any) -> bool:
    """Whether any text among the statement's parameters (a row, or rows of a batch) has NUL."""
    pending = [parameters]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    return False


def _refuse_nul_characters(engine: AsyncEngine) -> None:
    """A NUL character in any text: bad input (422), on both databases. PostgreSQL cannot store
    it (asyncpg fails mid-request: a 500), SQLite would keep it; no EasyPay field ever needs it,
    and this is the one place every text reaches, whichever endpoint, page or form it came by."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _check(
        _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if _has_nul(parameters):
            raise InvalidInput("Text cannot contain NUL characters.")


def _ping_in_one_round_trip(engine: AsyncEngine) -> None:
    """The pool's pre-ping as one `;` instead of asyncpg's BEGIN / `;` / ROLLBACK (meant for
    pgbouncer's transaction mode, which EasyPay does not use): two round trips less on every
    checkout, and a request checks out two or three connections (bench/README.md, HTTP load
    benchmark). A dead connection still fails the ping and is replaced, as before."""

    def do_ping(dbapi_connection: Any) -> bool:
        try:
            await_(dbapi_connection.driver_connection.fetchrow(";"))
        except Exception as error:  # noqa: BLE001 - translated (and re-raised) just below
            dbapi_connection._handle_exception(error)
        return True

    engine.dialect.do_ping = do_ping  # type: ignore[method-assign]


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work for jobs, the CLI and tests: commit on success, roll back on error."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    # Function scope: the commit happens before the response is sent, so a client never sees
    # success for a change that then fails to commit.
    async with database.transaction() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def dialect_name(session: AsyncSession) -> str:
    """`postgresql` or `sqlite`: the few statements that differ (upserts, row locks) ask this."""
    return session.get_bind().dialect.name
