"""Builders for settlement tests: a merchant with a settlement account at the sandbox bank,
payments and cancels on chosen Korea-time days, runs, and what the bank and the ledger hold."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from easypay.db import Database
from easypay.kit.clock import FakeClock
from easypay.ledger.accounts import FEE_REVENUE, MERCHANT_PAYABLES, PAYABLE_SHARDS
from easypay.merchant import service as merchant_service
from easypay.models import LedgerAccount, Merchant, Settlement, SettlementLine, WebhookEvent
from easypay.sandbox.bank import service as sandbox_bank
from easypay.settlement import service
from tests.money.builders import Person
from tests.payment import builders as pay
from tests.payment.builders import Shop

KST = timezone(timedelta(hours=9))
BANK_CODE = "004"
HOLDER = "초코상점"
_numbers = itertools.count(1)


@dataclass
class Seller:
    """A shop (merchant keys and CID) and its settlement account."""

    shop: Shop
    bank_code: str
    account_number: str

    @property
    def id(self) -> int:
        return self.shop.merchant_id


def at_kst(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), KST)


async def merchant(
    database: Database,
    fee_bp: int = 250,
    with_account: bool = True,
    webhook_url: str = "",
) -> Seller:
    """A merchant with an empty account at the sandbox bank, set as its settlement account
    (unless `with_account` is False: the account exists but the merchant has not set it)."""
    number = next(_numbers)
    account_number = f"5550{number:08d}"
    async with database.transaction() as session:
        created = await merchant_service.create(
            session, f"{HOLDER} {number}", [f"TS{number:08d}"], fee_bp
        )
        await sandbox_bank.open_account(
            session, BANK_CODE, account_number, HOLDER, f"merchant:{number}", 0
        )
        if with_account or webhook_url:
            row = await session.get(Merchant, created.merchant.id)
            assert row is not None
            if with_account:
                row.settlement_bank_code = BANK_CODE
                row.settlement_account_number = account_number
                row.settlement_holder_name = HOLDER
            row.webhook_url = webhook_url
    shop = Shop(created.merchant.id, created.cids[0], created.admin_key, created.secret_key)
    return Seller(shop, BANK_CODE, account_number)


async def set_account(database: Database, shop: Seller) -> None:
    async with database.transaction() as session:
        row = await session.get(Merchant, shop.id)
        assert row is not None
        row.settlement_bank_code = shop.bank_code
        row.settlement_account_number = shop.account_number
        row.settlement_holder_name = HOLDER


async def payment(
    client: httpx.AsyncClient,
    database: Database,
    app: FastAPI,
    shop: Seller,
    buyer: Person,
    amount: int,
) -> str:
    """A Pay Money payment of `amount`, approved now (by the clock); its tid."""
    started = await pay.paid(
        client, database, app.state.settings, shop.shop, buyer, total_amount=amount
    )
    return started.tid


async def cancel(client: httpx.AsyncClient, shop: Seller, tid: str, amount: int) -> None:
    response = await pay.cancel(client, shop.shop, tid, amount)
    assert response.status_code == 200, response.text


async def run(app: FastAPI, *days: date) -> service.RunReport:
    return await service.run(app.state.database, app.state.bank, app.state.settings, list(days))


def next_morning(clock: FakeClock, day: date, hour: int = 2) -> None:
    """Move the clock to `hour` o'clock KST on the day after `day`."""
    clock.set(at_kst(day + timedelta(days=1), hour))


async def bank_balance(app: FastAPI, shop: Seller) -> int:
    """The settlement account's balance, asked over HTTP through the bank gateway."""
    return await app.state.bank.balance(shop.bank_code, shop.account_number)


async def deposits(app: FastAPI, shop: Seller) -> list[int]:
    """The amounts paid into the settlement account, over HTTP."""
    rows = await app.state.bank.transactions(shop.bank_code, shop.account_number)
    return [row.amount for row in rows if row.direction == "in" and row.bank_tran_id]


async def statements(database: Database, shop: Seller) -> list[Settlement]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(Settlement).where(Settlement.merchant_id == shop.id).order_by(Settlement.id)
        )
        return list(rows.scalars())


async def only_statement(database: Database, shop: Seller) -> Settlement:
    found = await statements(database, shop)
    assert len(found) == 1, found
    return found[0]


async def lines(database: Database, settlement_id: int) -> list[SettlementLine]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(SettlementLine)
            .where(SettlementLine.settlement_id == settlement_id)
            .order_by(SettlementLine.id)
        )
        return list(rows.scalars())


async def payable(database: Database, shop: Seller) -> dict[str, int]:
    """The merchant's payable: posted balance (credits - debits) and what is held for payout."""
    async with database.transaction() as session:
        shards = (
            await session.execute(
                select(LedgerAccount).where(
                    LedgerAccount.code == MERCHANT_PAYABLES, LedgerAccount.owner_id == shop.id
                )
            )
        ).scalars()
        accounts = list(shards)
        assert len(accounts) == PAYABLE_SHARDS
        return {
            "posted": sum(a.credits_posted - a.debits_posted for a in accounts),
            "held": sum(a.debits_pending for a in accounts),
        }


async def fee_revenue(database: Database) -> int:
    async with database.transaction() as session:
        total = (
            await session.execute(
                select(
                    func.coalesce(
                        func.sum(LedgerAccount.credits_posted - LedgerAccount.debits_posted), 0
                    )
                ).where(LedgerAccount.code == FEE_REVENUE)
            )
        ).scalar_one()
        return int(total)


async def webhook_events(database: Database, shop: Seller, kind: str) -> list[dict[str, Any]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(WebhookEvent)
            .where(WebhookEvent.merchant_id == shop.id, WebhookEvent.type == kind)
            .order_by(WebhookEvent.id)
        )
        return [json.loads(event.payload) for event in rows.scalars()]


async def add_deposit_fault(database: Database, shop: Seller, mode: str, **options: Any) -> None:
    async with database.transaction() as session:
        await sandbox_bank.add_fault(
            session, "deposit", mode, account_number=shop.account_number, **options
        )
