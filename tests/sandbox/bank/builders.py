"""Builders for sandbox bank tests: customer accounts, faults, balances, auth headers."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from easypay.config import Settings
from easypay.db import Database
from easypay.models import SandboxBankAccount
from easypay.sandbox.bank import service as bank

BASE = "/sandbox/bank"
BIRTH_DATE = date(1990, 5, 17)
_numbers = itertools.count(1)


def auth(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.bank_api_token}"}


async def customer_account(
    database: Database,
    balance: int = 100_000,
    holder_name: str = "김민준",
    bank_code: str = "088",
    birth_date: date | None = BIRTH_DATE,
    customer_id: str | None = None,
) -> SandboxBankAccount:
    number = next(_numbers)
    async with database.transaction() as session:
        return await bank.open_account(
            session,
            bank_code,
            f"3020{number:08d}",
            holder_name,
            customer_id or f"+82105555{number:04d}",
            balance,
            holder_birth_date=birth_date,
        )


async def balance_of(database: Database, account: SandboxBankAccount) -> int:
    async with database.transaction() as session:
        fresh = await bank.account(session, account.bank_code, account.account_number)
        return fresh.balance


async def corporate_balance(database: Database) -> int:
    async with database.transaction() as session:
        return await bank.corporate_balance(session)


async def fault(database: Database, operation: str, mode: str, **options: Any) -> None:
    async with database.transaction() as session:
        await bank.add_fault(session, operation, mode, **options)


def transfer_body(account: SandboxBankAccount, bank_tran_id: str, amount: int) -> dict[str, Any]:
    return {
        "bank_tran_id": bank_tran_id,
        "bank_code_std": account.bank_code,
        "account_num": account.account_number,
        "tran_amt": amount,
        "print_content": "테스트",
    }
