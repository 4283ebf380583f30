"""The settlement's periodic work, run by the worker on every pass.

Cheap when nothing is due: one indexed lookup of the day markers (outbox rows with a unique
`dedupe_key`, state `done`, which the outbox never runs) and one of unanswered payouts. Once a
day after `settlement_hour` KST, D-1 (and any missed day of the last week) is settled and every
payable statement is paid; a marker is written only after its day's statements are, so a run
that fails is simply repeated, and two workers at once write and pay each statement once."""

from __future__ import annotations

from easypay.config import Settings
from easypay.db import Database
from easypay.money.gateway import BankGateway
from easypay.settlement import service


async def run_due(database: Database, bank: BankGateway, settings: Settings) -> int:
    days = await service.days_due(database, settings)
    if days:
        report = await service.run(database, bank, settings, days)
        return report.work
    return await service.reconcile(database, bank, service.reconcile_age(settings))
