"""Record the SQL statements the app sends while a block runs (every connection of the engine)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from easypay.db import Database


@contextmanager
def recorded(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split())[:160])

    def begin(_conn: Any) -> None:
        statements.append("BEGIN")

    def commit(_conn: Any) -> None:
        statements.append("COMMIT")

    engine = database.engine.sync_engine
    listeners = [("before_cursor_execute", record), ("begin", begin), ("commit", commit)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield statements
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
