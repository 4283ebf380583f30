"""`easypay ledger verify`: the invariants hold on a good ledger and each violation is named.

Corruptions are made with plain SQL and undone before the test ends (the conftest verifies the
ledger after every test).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.ledger.accounts import CARD_CLEARING, MERCHANT_PAYABLES, PROMOTION_BUDGET
from easypay.ledger.schemas import TransferRequest
from easypay.ledger.verify import Report, verify
from tests.ledger.builders import open_wallet, transfer

EASYPAY = Path(sys.executable).parent / "easypay"


async def report_of(database) -> Report:
    async with database.transaction() as session:
        return await verify(session)


@asynccontextmanager
async def running_sum_off_by(database, account_id: int, amount: int) -> AsyncIterator[None]:
    statement = (
        "UPDATE ledger_accounts SET credits_posted = credits_posted + :amount WHERE id = :id"
    )
    async with database.transaction() as session:
        await session.execute(text(statement), {"amount": amount, "id": account_id})
    try:
        yield
    finally:
        async with database.transaction() as session:
            await session.execute(text(statement), {"amount": -amount, "id": account_id})


async def run_cli(database_url: str) -> tuple[int, str]:
    env = {**os.environ, "EASYPAY_DATABASE_URL": database_url, "COLUMNS": "200"}
    process = await asyncio.create_subprocess_exec(
        str(EASYPAY),
        "ledger",
        "verify",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def a_busy_ledger(database) -> tuple[int, int]:
    alice, bob = await open_wallet(database, 50_000), await open_wallet(database, 1_000)
    await transfer(database, TransferRequest(alice, bob, 7_000, "test"))
    held = await transfer(database, TransferRequest(alice, bob, 3_000, "test", pending=True))
    voided = await transfer(database, TransferRequest(bob, alice, 500, "test", pending=True))
    async with database.transaction() as session:
        await ledger.post(session, held.id, 2_000)
        await ledger.void(session, voided.id)
    await transfer(database, TransferRequest(alice, bob, 100, "test", pending=True))  # left open
    return alice, bob


class TestVerify:
    async def test_a_good_ledger_passes_every_check(self, database):
        await a_busy_ledger(database)
        report = await report_of(database)
        assert report.ok, report.failures()
        assert len(report.checks) == 5
        assert report.transfers == 2 + 1 + 2 + 2 + 1
        assert report.failures() == []

    async def test_a_corrupted_running_sum_is_named(self, database):
        alice, _ = await a_busy_ledger(database)
        async with running_sum_off_by(database, alice, 5):
            report = await report_of(database)
            assert not report.ok
            failures = report.failures()
            assert any(
                f.startswith("2. running sums")
                and f"account {alice} " in f
                and "credits_posted" in f
                for f in failures
            ), failures
            assert any(f.startswith("1. debits = credits") for f in failures), failures
        assert (await report_of(database)).ok

    async def test_an_overdue_hold_is_reported(self, database, fake_clock):
        alice, bob = await open_wallet(database, 1_000), await open_wallet(database)
        expires_at = clock.now() + timedelta(minutes=10)
        held = await transfer(
            database, TransferRequest(alice, bob, 300, "test", pending=True, expires_at=expires_at)
        )
        fake_clock.advance(minutes=30)
        assert (await report_of(database)).ok  # due, but within the grace period
        fake_clock.advance(hours=2)
        failures = (await report_of(database)).failures()
        assert any(f.startswith("4.") and f"hold {held.id} " in f for f in failures), failures
        async with database.transaction() as session:
            assert await ledger.expire_due(session) == 1
        assert (await report_of(database)).ok

    async def test_stored_value_not_from_a_bank_is_reported(self, database):
        wallet = await open_wallet(database)
        async with database.transaction() as session:
            budget = await ledger.system_account_id(session, PROMOTION_BUDGET, shard=0)
        await transfer(database, TransferRequest(budget, wallet, 1_000, "test_gift"))
        failures = (await report_of(database)).failures()
        assert any(f.startswith("5. stored value") for f in failures), failures
        await transfer(database, TransferRequest(wallet, budget, 1_000, "test_take_back"))
        assert (await report_of(database)).ok

    async def test_what_issuers_and_merchants_owe_counts_as_cover(self, database):
        """A card issuer's receivable and a merchant's debt (a refund fronted after its payout)
        cover stored value; a gift from any other account still does not."""
        wallet = await open_wallet(database)
        async with database.transaction() as session:
            card = await ledger.system_account_id(session, CARD_CLEARING, shard=0)
            payable = await ledger.open_account(session, MERCHANT_PAYABLES, "KRW", 424242)
        # the issuer owes 1,000 (a card payment), the merchant then refunds it to a wallet
        await transfer(database, TransferRequest(card, payable.id, 1_000, "test_card"))
        await transfer(database, TransferRequest(payable.id, wallet, 1_500, "test_refund"))
        assert (await report_of(database)).ok  # 1,500 stored = 1,000 issuer + 500 merchant
        await transfer(database, TransferRequest(wallet, payable.id, 1_500, "test_back"))
        await transfer(database, TransferRequest(payable.id, wallet, 200, "test_again"))
        # the merchant is owed 800 again: only the issuer's 1,000 covers the wallet's 200 — and
        # a 900 gift from the budget is more than that
        async with database.transaction() as session:
            budget = await ledger.system_account_id(session, PROMOTION_BUDGET, shard=0)
        await transfer(database, TransferRequest(budget, wallet, 900, "test_gift"))
        failures = (await report_of(database)).failures()
        assert any(f.startswith("5. stored value") for f in failures), failures
        await transfer(database, TransferRequest(wallet, budget, 900, "test_take_back"))
        await transfer(database, TransferRequest(wallet, payable.id, 200, "test_undo"))
        await transfer(database, TransferRequest(payable.id, card, 1_000, "test_undo_card"))
        assert (await report_of(database)).ok


class TestVerifyCommand:
    async def test_exits_zero_on_a_good_ledger(self, database, settings):
        await a_busy_ledger(database)
        code, output = await run_cli(settings.database_url)
        assert code == 0, output
        assert "all invariants hold" in output

    async def test_exits_one_and_names_the_violation(self, database, settings):
        alice, _ = await a_busy_ledger(database)
        async with running_sum_off_by(database, alice, 5):
            code, output = await run_cli(settings.database_url)
        assert code == 1, output
        assert "VIOLATED" in output
        assert f"account {alice} " in output
