"""Background work of Pay Money: settle bank calls that never got a clear answer."""

from __future__ import annotations

from datetime import timedelta

from easypay.config import Settings
from easypay.db import Database
from easypay.money import service
from easypay.money.gateway import BankGateway


async def reconcile_bank_operations(
    database: Database, bank: BankGateway, settings: Settings
) -> int:
    return await service.reconcile(
        database, bank, timedelta(seconds=settings.bank_reconcile_after_seconds)
    )
