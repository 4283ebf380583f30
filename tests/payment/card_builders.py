"""Builders for card payments: what the hosted checkout does with a card (choose it, then the
issuer's authorisation after the PIN), and one worker pass of the card jobs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from easypay.config import Settings
from easypay.db import Database
from easypay.models import Merchant, User
from easypay.payment import checkout, service
from easypay.worker import outbox
from easypay.worker.runner import Worker
from tests.money.builders import Person


async def authorise_card(
    app: FastAPI,
    database: Database,
    settings: Settings,
    someone: Person,
    tid: str,
    card_id: int,
    months: int | None = None,
) -> str:
    """Choose the card, have the issuer authorise, hold: the pg_token."""
    async with database.transaction() as session:
        user = await session.get(User, someone.user_id)
        assert user is not None
        payment, card = await service.select_method(session, user, tid, "CARD", card_id, months)
        merchant = await session.get(Merchant, payment.merchant_id)
        assert merchant is not None
        assert card is not None
    approval_id = await checkout.authorize_card(app.state.card_issuer, payment, card, merchant.name)
    async with database.transaction() as session:
        _, token = await service.authorize(session, settings, user, tid, approval_id)
    return token


async def choose_money(database: Database, someone: Person, tid: str) -> None:
    """The buyer switches to Pay Money at the checkout."""
    async with database.transaction() as session:
        user = await session.get(User, someone.user_id)
        assert user is not None
        await service.select_method(session, user, tid, "MONEY")


async def run_jobs(app: FastAPI, database: Database, settings: Settings) -> int:
    """One pass over the due outbox jobs, with the worker's card-issuer handlers."""
    worker = Worker(database, settings, app.state.bank, app.state.card_issuer)
    handlers = worker.handlers
    done = 0
    for job in await outbox.claim_due(database):
        done += await outbox.run_job(database, job, handlers)
    return done


async def card_id_of(response: Any) -> int:
    assert response.status_code == 201, response.text
    return int(response.json()["id"])
