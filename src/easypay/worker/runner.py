"""The worker loop: due outbox jobs, then the periodic tasks of every service."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from easypay.card.gateway import CardIssuer
from easypay.certificate import tasks as certificate_tasks
from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.money.gateway import BankGateway
from easypay.money.tasks import reconcile_bank_operations
from easypay.payment import card_jobs
from easypay.payment import tasks as payment_tasks
from easypay.settlement import tasks as settlement_tasks
from easypay.transfer import tasks as transfer_tasks
from easypay.webhook import delivery as webhook_delivery
from easypay.worker import outbox

log = logging.getLogger("easypay.worker")


class Worker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        bank: BankGateway,
        card_issuer: CardIssuer,
    ) -> None:
        self.database = database
        self.settings = settings
        self.bank = bank
        self.card_issuer = card_issuer
        # Every job handler, bound to this worker's settings and card issuer (built once).
        self.handlers = {**webhook_delivery.handlers(settings), **card_jobs.handlers(card_issuer)}
        self.next_purge = clock.now()

    async def run_once(self) -> int:
        """One pass over everything due; returns how much work was done."""
        done = 0
        for job in await outbox.claim_due(self.database):
            done += await outbox.run_job(self.database, job, self.handlers)
        async with self.database.transaction() as session:
            done += await ledger.expire_due(session)
        done += await reconcile_bank_operations(self.database, self.bank, self.settings)
        done += await transfer_tasks.run_due(self.database)
        done += await payment_tasks.expire_due(self.database)
        done += await settlement_tasks.run_due(self.database, self.bank, self.settings)
        if clock.now() >= self.next_purge:
            purged = await certificate_tasks.purge_challenges(self.database)
            if purged < certificate_tasks.BATCH:  # else: more to delete on the next pass
                self.next_purge = clock.now() + certificate_tasks.EVERY
        return done

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("worker started")
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:
                log.exception("worker pass failed")
                done = 0
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.worker_poll_seconds)
        log.info("worker stopped")
