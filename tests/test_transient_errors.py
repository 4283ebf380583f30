"""A database that is away or asks for a retry (connection lost, deadlock, serialization
failure, shutdown, SQLite busy) is a 503 with Retry-After, not a 500: nothing was done and the
client may retry with the same idempotency key. Other failures stay 500s."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc

from easypay.errors import install_error_handlers


class _Driver(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _app(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    return app


def _dbapi(kind: type[sa_exc.DBAPIError], message: str, sqlstate: str | None) -> Exception:
    return kind("SELECT 1", {}, _Driver(message, sqlstate))


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ConnectionRefusedError("refused"), 503),
        (TimeoutError(), 503),
        (_dbapi(sa_exc.OperationalError, "deadlock detected", "40P01"), 503),
        (_dbapi(sa_exc.OperationalError, "could not serialize access", "40001"), 503),
        (_dbapi(sa_exc.OperationalError, "terminating connection", "57P01"), 503),
        (_dbapi(sa_exc.InterfaceError, "connection is closed", None), 503),
        (_dbapi(sa_exc.OperationalError, "database is locked", None), 503),
        (_dbapi(sa_exc.IntegrityError, "duplicate key value", "23505"), 500),
        (_dbapi(sa_exc.OperationalError, "no such table: x", None), 500),
        (RuntimeError("a bug"), 500),
    ],
)
async def test_transient_database_errors_are_503_others_500(error: Exception, status: int) -> None:
    transport = httpx.ASGITransport(app=_app(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == status
    if status == 503:
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"] == "ServiceUnavailable"
    else:
        assert response.json()["error"] == "InternalError"


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError("reset"),
        _dbapi(sa_exc.InterfaceError, "connection was closed in the middle of operation", None),
        _dbapi(sa_exc.OperationalError, "terminating connection", "57P01"),
    ],
)
async def test_a_database_outage_is_answered_not_raised_to_the_server(error: Exception) -> None:
    """Handled where the route's errors are: the server does not see the exception again (it
    logged a traceback at ERROR for every request of an outage, on top of our warning)."""
    transport = httpx.ASGITransport(app=_app(error), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == 503
