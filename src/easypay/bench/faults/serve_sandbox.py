"""The sandbox bank and card issuer as a process of their own, for the fault runs.

In production the bank and the card issuer are other companies' servers: killing EasyPay's
server does not kill them. The runs therefore serve the sandboxes here, on their own port and
the same database (their tables are their own), and point the server they kill at this process
(`EASYPAY_BANK_BASE_URL`, `EASYPAY_CARD_ISSUER_BASE_URL`, `EASYPAY_MOUNT_SANDBOX=false`).
Only /sandbox/bank, /sandbox/card and /healthz are served: no API, no pages, no worker.
Settings come from the same `EASYPAY_*` variables as the server's (the tokens included).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from easypay.config import get_settings
from easypay.db import Database
from easypay.observability import configure_logging
from easypay.sandbox.bank.app import create_bank_app
from easypay.sandbox.card.app import create_card_app


async def _health(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def sandbox_app() -> Starlette:
    settings = get_settings()
    database = Database(settings.database_url, settings.db_pool_size)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await database.dispose()

    return Starlette(
        routes=[
            Route("/healthz", _health),
            Mount("/sandbox/bank", create_bank_app(database, settings)),
            Mount("/sandbox/card", create_card_app(database, settings)),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    import uvicorn

    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "easypay.bench.faults.serve_sandbox:sandbox_app",
        factory=True,
        host="127.0.0.1",
        port=settings.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
