"""The settlement's periodic work, run by the worker (to be filled)."""

from __future__ import annotations

from easypay.config import Settings
from easypay.db import Database
from easypay.money.gateway import BankGateway


async def run_due(database: Database, bank: BankGateway, settings: Settings) -> int:
    return 0
