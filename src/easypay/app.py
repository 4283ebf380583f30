"""create_app(): settings, database, bank gateway, middleware, error handlers, routers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from easypay import __version__
from easypay.admin.endpoints import router as admin_router
from easypay.card.endpoints import router as card_router
from easypay.card.gateway import CardIssuer
from easypay.card.issuer_client import HttpCardIssuer
from easypay.certificate.endpoints import pki_router
from easypay.certificate.endpoints import router as certificate_router
from easypay.certificate.sign_endpoints import institution_router
from easypay.certificate.sign_endpoints import user_router as sign_request_router
from easypay.certificate.signin_endpoints import router as certificate_signin_router
from easypay.certificate.tlog.endpoints import router as tlog_router
from easypay.config import Settings, get_settings
from easypay.db import Database
from easypay.duplicates import DuplicatedParameters
from easypay.errors import install_error_handlers
from easypay.idempotency.dependencies import replay_response
from easypay.idempotency.service import Replay
from easypay.identity.endpoints import router as identity_router
from easypay.ledger import service as ledger
from easypay.merchant.endpoints import router as merchant_router
from easypay.money.endpoints import router as money_router
from easypay.money.gateway import BankGateway
from easypay.money.open_banking import OpenBankingGateway
from easypay.notification.endpoints import router as inbox_router
from easypay.observability import REGISTRY, RequestContextMiddleware
from easypay.payment.endpoints import current as payment_router
from easypay.payment.endpoints import legacy as payment_legacy_router
from easypay.payment.pos_endpoints import router as pos_router
from easypay.security_headers import SecurityHeadersMiddleware
from easypay.settlement.endpoints import router as settlement_router
from easypay.transfer.endpoints import router as transfer_router
from easypay.web.routes import router as web_router
from easypay.webhook.endpoints import router as webhook_router
from easypay.worker.runner import Worker

STATIC_DIR = Path(__file__).parent / "web" / "static"

DESCRIPTION = """
EasyPay's API: Pay Money, identity and (in later releases) payments, transfers and more.

Sign in with `POST /api/v1/sessions` and send the token as `Authorization: Bearer <token>`.
Every call that moves value needs the payment PIN and an `Idempotency-Key` header: retrying with
the same key and body returns the first answer (with `Idempotent-Replayed: true`); the same key
with a different body is a 409.

Errors are JSON: `{"error": "<Code>", "detail": "<sentence>"}`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    bank: BankGateway | None = None,
    card_issuer: CardIssuer | None = None,
    run_worker: bool = False,
) -> FastAPI:
    settings = settings or get_settings()
    database = Database(settings.database_url, settings.db_pool_size)
    gateway = bank or OpenBankingGateway(
        settings.bank_url, settings.bank_api_token, settings.bank_timeout_seconds
    )
    issuer = card_issuer or HttpCardIssuer(
        settings.card_issuer_url,
        settings.card_issuer_api_token,
        settings.card_issuer_timeout_seconds,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with database.transaction() as session:
            await ledger.ensure_system_accounts(session)
        stop = asyncio.Event()
        worker_task = None
        if run_worker:
            worker_task = asyncio.create_task(
                Worker(database, settings, gateway, issuer).run_forever(stop)
            )
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                await worker_task
            for client in (gateway, issuer):
                close = getattr(client, "aclose", None)
                if close is not None:
                    await close()
            await database.dispose()

    app = FastAPI(
        title="EasyPay",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by web/docs.py from vendored assets (no CDN at run time)
        redoc_url=None,
        max_body_size=settings.max_request_bytes,  # a huge body is refused, not read into memory
    )
    app.state.settings = settings
    app.state.database = database
    app.state.bank = gateway
    app.state.card_issuer = issuer

    install_error_handlers(app)

    async def _replay(_: Request, error: Exception) -> Response:
        assert isinstance(error, Replay)
        return replay_response(error.saved)

    app.add_exception_handler(Replay, _replay)
    app.add_middleware(DuplicatedParameters, max_body=settings.max_request_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)

    @app.get(
        "/healthz",
        tags=["operations"],
        summary="Liveness and database reachability",
        responses={503: {"description": "The database is unreachable"}},
    )
    async def healthz() -> JSONResponse:
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - the answer is the point
            return JSONResponse({"status": "unhealthy", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
    )
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.include_router(identity_router)
    app.include_router(money_router)
    app.include_router(inbox_router)
    app.include_router(transfer_router)
    app.include_router(payment_legacy_router)
    app.include_router(payment_router)
    app.include_router(pos_router)
    app.include_router(card_router)
    app.include_router(merchant_router)
    app.include_router(settlement_router)
    app.include_router(webhook_router)
    app.include_router(tlog_router)
    app.include_router(certificate_router)
    app.include_router(pki_router)
    app.include_router(institution_router)
    app.include_router(sign_request_router)
    app.include_router(certificate_signin_router)
    app.include_router(admin_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.mount_sandbox:
        from easypay.sandbox.bank.app import create_bank_app
        from easypay.sandbox.card.app import create_card_app

        app.mount("/sandbox/bank", create_bank_app(database, settings))
        app.mount("/sandbox/card", create_card_app(database, settings))
    return app
