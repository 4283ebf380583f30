"""A sandbox bank failure during settlement: a decline, an answer lost after the money moved, a
timeout whose late arrival the bank refuses, and a crash around the bank call. Nothing is lost
or paid twice; a retry uses a new bank_tran_id only once the last one is known to have failed."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from easypay.money.gateway import BankGateway, TransferOutcome
from easypay.settlement import service, tasks
from tests.payment import builders as pay
from tests.settlement import builders as s

DAY = date(2026, 11, 20)
NEXT = DAY + timedelta(days=1)


async def run_due(app) -> int:
    return await tasks.run_due(app.state.database, app.state.bank, app.state.settings)


async def settled_day(app, client, database, fake_clock, amount: int = 10_000):
    fake_clock.set(s.at_kst(DAY, 10))
    shop = await s.merchant(database, webhook_url="https://shop.test/hooks")
    buyer = await pay.buyer(client, database, 50_000)
    await s.payment(client, database, app, shop, buyer, amount)
    s.next_morning(fake_clock, DAY)
    return shop


class CrashAfterCall:
    """A gateway whose process 'dies' after the bank paid, before the answer is recorded."""

    def __init__(self, real: BankGateway) -> None:
        self.real = real

    async def deposit(self, *args, **kwargs) -> TransferOutcome:
        await self.real.deposit(*args, **kwargs)
        raise SystemExit("killed after the bank call")


class CrashBeforeCall:
    async def deposit(self, *args, **kwargs) -> TransferOutcome:
        raise SystemExit("killed before the bank call")


class TestDecline:
    async def test_declined_payout_fails_then_a_later_run_pays_it(
        self, app, client, database, fake_clock
    ):
        shop = await settled_day(app, client, database, fake_clock)
        await s.add_deposit_fault(database, shop, "decline")
        await run_due(app)

        statement = await s.only_statement(database, shop)
        assert statement.status == "failed"
        assert statement.bank_result_code == "999"
        assert statement.bank_message  # the bank's own words
        first_id = statement.bank_tran_id
        assert await s.bank_balance(app, shop) == 0
        assert await s.payable(database, shop) == {"posted": 9_750, "held": 0}  # hold voided
        assert await s.webhook_events(database, shop, "settlement.paid") == []
        assert await run_due(app) == 0  # not retried the same day by the worker

        s.next_morning(fake_clock, NEXT)
        await run_due(app)
        statement = await s.only_statement(database, shop)
        assert (statement.status, statement.attempts) == ("paid", 2)
        assert statement.bank_tran_id != first_id
        assert await s.deposits(app, shop) == [9_750]
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}
        assert len(await s.webhook_events(database, shop, "settlement.paid")) == 1

    async def test_unknown_account_at_the_bank_fails_with_its_message(
        self, app, client, database, fake_clock
    ):
        shop = await settled_day(app, client, database, fake_clock)
        shop.account_number = "999999999999"  # not at the bank
        await s.set_account(database, shop)
        await s.run(app, DAY)
        statement = await s.only_statement(database, shop)
        assert statement.status == "failed"
        assert statement.bank_result_code == "412"
        assert await s.payable(database, shop) == {"posted": 9_750, "held": 0}


class TestUnknown:
    async def test_answer_lost_after_the_bank_paid_is_reconciled_as_paid(
        self, app, client, database, fake_clock
    ):
        shop = await settled_day(app, client, database, fake_clock)
        await s.add_deposit_fault(database, shop, "fail_after_success")
        await run_due(app)

        statement = await s.only_statement(database, shop)
        assert statement.status == "paying"
        assert statement.bank_result_code == "UNKNOWN"
        assert await s.bank_balance(app, shop) == 9_750  # the bank did pay
        assert await s.payable(database, shop) == {"posted": 9_750, "held": 9_750}
        # Not asked while our own call may still be on its way.
        assert await run_due(app) == 0
        assert (await s.only_statement(database, shop)).status == "paying"

        fake_clock.advance(minutes=1)
        assert await run_due(app) == 1
        statement = await s.only_statement(database, shop)
        assert (statement.status, statement.attempts) == ("paid", 1)
        assert await s.deposits(app, shop) == [9_750]
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}
        assert len(await s.webhook_events(database, shop, "settlement.paid")) == 1
        # A paying statement is never paid again by a payout run.
        s.next_morning(fake_clock, NEXT)
        await run_due(app)
        assert await s.deposits(app, shop) == [9_750]

    async def test_timeout_then_inquiry_cancels_the_late_arrival_and_a_new_id_pays(
        self, app, client, database, fake_clock
    ):
        shop = await settled_day(app, client, database, fake_clock)
        await s.add_deposit_fault(database, shop, "timeout", delay_seconds=3.0)
        await s.run(app, DAY)  # the gateway gives up after 2 s
        statement = await s.only_statement(database, shop)
        assert statement.status == "paying"
        first_id = statement.bank_tran_id

        fake_clock.advance(minutes=1)
        assert await service.reconcile(app.state.database, app.state.bank, timedelta(0)) == 1
        statement = await s.only_statement(database, shop)
        assert statement.status == "failed"  # the bank never saw it, and now never will
        assert await s.payable(database, shop) == {"posted": 9_750, "held": 0}
        await asyncio.sleep(1.5)  # the late request arrives at the bank and is refused
        assert await s.bank_balance(app, shop) == 0

        s.next_morning(fake_clock, NEXT)
        await run_due(app)
        statement = await s.only_statement(database, shop)
        assert (statement.status, statement.attempts) == ("paid", 2)
        assert statement.bank_tran_id != first_id
        assert await s.deposits(app, shop) == [9_750]


class TestCrash:
    async def test_crash_after_the_bank_paid_is_finished_by_reconciliation(
        self, app, client, database, fake_clock
    ):
        shop = await settled_day(app, client, database, fake_clock)
        [settlement_id] = await service.build_day(database, DAY)
        with pytest.raises(SystemExit):
            await service.pay(database, CrashAfterCall(app.state.bank), settlement_id)
        assert (await s.only_statement(database, shop)).status == "paying"
        # A payout run does not send it again.
        assert (await service.pay(database, app.state.bank, settlement_id)).status == "paying"
        fake_clock.advance(minutes=1)
        assert await run_due(app) >= 1
        assert (await s.only_statement(database, shop)).status == "paid"
        assert await s.deposits(app, shop) == [9_750]

    async def test_crash_before_the_bank_call_fails_then_is_paid_once(
        self, app, client, database, fake_clock
    ):
        shop = await settled_day(app, client, database, fake_clock)
        with pytest.raises(SystemExit):  # the worker dies in the middle of the day's run
            await tasks.run_due(database, CrashBeforeCall(), app.state.settings)
        assert (await s.only_statement(database, shop)).status == "paying"
        fake_clock.advance(minutes=1)
        # The next pass runs the day again: the bank never saw the id → failed → paid anew.
        assert await run_due(app) == 2
        statement = await s.only_statement(database, shop)
        assert (statement.status, statement.attempts) == ("paid", 2)
        assert await s.deposits(app, shop) == [9_750]
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}
