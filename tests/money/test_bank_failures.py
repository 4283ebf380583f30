"""Nothing is created or lost when the bank misbehaves: declines, timeouts, answers lost after
the money moved, and crashes between the bank call and the ledger write."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from easypay.identity import repository as identity_repository
from easypay.money import service as money
from easypay.money.errors import BankDeclined
from easypay.money.gateway import BankGateway, TransferOutcome
from easypay.sandbox.bank import service as sandbox_bank
from easypay.worker.runner import Worker
from tests.money import builders


async def add_fault(database, operation, mode, **options):
    async with database.transaction() as session:
        await sandbox_bank.add_fault(session, operation, mode, **options)


async def reconcile(app) -> int:
    return await money.reconcile(app.state.database, app.state.bank, timedelta(0))


async def user_of(database, someone):
    async with database.transaction() as session:
        return await identity_repository.user_by_id(session, someone.user_id)


class CrashBeforeCall:
    """A gateway whose process 'dies' before the bank call leaves."""

    def __init__(self, real: BankGateway) -> None:
        self.real = real

    async def withdraw(self, *args, **kwargs) -> TransferOutcome:
        raise SystemExit("killed before the bank call")

    deposit = withdraw


class CrashAfterCall:
    """A gateway whose process 'dies' after the bank moved the money, before the ledger write."""

    def __init__(self, real: BankGateway) -> None:
        self.real = real

    async def withdraw(self, *args, **kwargs) -> TransferOutcome:
        await self.real.withdraw(*args, **kwargs)
        raise SystemExit("killed after the bank call")

    async def deposit(self, *args, **kwargs) -> TransferOutcome:
        await self.real.deposit(*args, **kwargs)
        raise SystemExit("killed after the bank call")


class TestDecline:
    async def test_declined_charge_changes_nothing(self, client, database):
        someone = await builders.person(client, database)
        await add_fault(database, "withdraw", "decline")
        response = await builders.charge(client, someone, 50_000)
        assert response.status_code == 402
        assert response.json()["error"] == "BankDeclined"
        money_now = await builders.balance(client, someone)
        assert (money_now["balance"], money_now["incoming"]) == (0, 0)
        assert await builders.bank_balance(database, someone) == 5_000_000

    async def test_declined_withdrawal_gives_the_money_back(self, client, database):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 50_000)
        await add_fault(database, "deposit", "decline")
        response = await builders.withdraw(client, someone, 30_000)
        assert response.status_code == 402
        money_now = await builders.balance(client, someone)
        assert (money_now["balance"], money_now["available"]) == (50_000, 50_000)
        assert await builders.bank_balance(database, someone) == 4_950_000


class TestTimeout:
    async def test_timeout_then_late_success_is_completed_by_the_worker(
        self, app, client, database
    ):
        someone = await builders.person(client, database)
        await add_fault(database, "withdraw", "timeout", delay_seconds=2.5)
        response = await builders.charge(client, someone, 50_000)
        assert response.status_code == 201
        assert response.json()["status"] == "unknown"
        money_now = await builders.balance(client, someone)
        assert (money_now["balance"], money_now["incoming"]) == (0, 50_000)
        await asyncio.sleep(1.5)  # the bank finishes the late request
        assert (
            await Worker(
                database, app.state.settings, app.state.bank, app.state.card_issuer
            ).run_once()
            >= 1
        )
        money_now = await builders.balance(client, someone)
        assert (money_now["balance"], money_now["incoming"]) == (50_000, 0)
        assert await builders.bank_balance(database, someone) == 4_950_000

    async def test_inquiry_before_the_late_arrival_cancels_it(self, app, client, database):
        someone = await builders.person(client, database)
        await add_fault(database, "withdraw", "timeout", delay_seconds=3.5)
        response = await builders.charge(client, someone, 50_000)
        assert response.json()["status"] == "unknown"
        assert await reconcile(app) == 1  # the bank never saw it: recorded as cancelled
        await asyncio.sleep(2.0)  # the late request arrives and must move nothing
        money_now = await builders.balance(client, someone)
        assert (money_now["balance"], money_now["incoming"]) == (0, 0)
        assert await builders.bank_balance(database, someone) == 5_000_000

    async def test_lost_answer_after_success_is_completed(self, app, client, database):
        someone = await builders.person(client, database)
        await add_fault(database, "withdraw", "fail_after_success")
        response = await builders.charge(client, someone, 70_000)
        assert response.json()["status"] == "unknown"
        assert await reconcile(app) == 1
        assert (await builders.balance(client, someone))["balance"] == 70_000
        assert await builders.bank_balance(database, someone) == 4_930_000

    async def test_lost_answer_on_withdrawal_is_completed(self, app, client, database):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 70_000)
        await add_fault(database, "deposit", "fail_after_success")
        response = await builders.withdraw(client, someone, 20_000)
        assert response.json()["status"] == "unknown"
        assert (await builders.balance(client, someone))["available"] == 50_000
        assert await reconcile(app) == 1
        assert (await builders.balance(client, someone))["balance"] == 50_000
        assert await builders.bank_balance(database, someone) == 4_950_000


class TestCrash:
    async def test_crash_before_the_bank_call_is_voided(self, app, client, database):
        someone = await builders.person(client, database)
        user = await user_of(database, someone)
        settings = app.state.settings
        with pytest.raises(SystemExit):
            await money.charge(
                database,
                CrashBeforeCall(app.state.bank),
                settings,
                user,
                someone.link_id,
                50_000,
                "crash-1",
            )
        assert (await builders.balance(client, someone))["incoming"] == 50_000
        assert await reconcile(app) == 1
        money_now = await builders.balance(client, someone)
        assert (money_now["balance"], money_now["incoming"]) == (0, 0)
        # The same request retried later resumes the same operation: refused, nothing moves.
        with pytest.raises(BankDeclined):
            await money.charge(
                database, app.state.bank, settings, user, someone.link_id, 50_000, "crash-1"
            )
        assert await builders.bank_balance(database, someone) == 5_000_000

    async def test_crash_after_the_bank_call_is_completed(self, app, client, database):
        someone = await builders.person(client, database)
        user = await user_of(database, someone)
        with pytest.raises(SystemExit):
            await money.charge(
                database,
                CrashAfterCall(app.state.bank),
                app.state.settings,
                user,
                someone.link_id,
                50_000,
                "crash-2",
            )
        assert await builders.bank_balance(database, someone) == 4_950_000
        assert await reconcile(app) == 1
        assert (await builders.balance(client, someone))["balance"] == 50_000

    async def test_retry_after_a_crash_resumes_instead_of_charging_again(
        self, app, client, database
    ):
        someone = await builders.person(client, database)
        user = await user_of(database, someone)
        with pytest.raises(SystemExit):
            await money.charge(
                database,
                CrashAfterCall(app.state.bank),
                app.state.settings,
                user,
                someone.link_id,
                50_000,
                "crash-3",
            )
        operation = await money.charge(
            database, app.state.bank, app.state.settings, user, someone.link_id, 50_000, "crash-3"
        )
        assert operation.status == "completed"
        assert (await builders.balance(client, someone))["balance"] == 50_000
        assert await builders.bank_balance(database, someone) == 4_950_000

    async def test_crash_after_a_withdrawal_is_completed(self, app, client, database):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 50_000)
        user = await user_of(database, someone)
        with pytest.raises(SystemExit):
            await money.withdraw(
                database,
                CrashAfterCall(app.state.bank),
                app.state.settings,
                user,
                someone.link_id,
                50_000,
                "crash-4",
            )
        assert (await builders.balance(client, someone))["available"] == 0
        assert await reconcile(app) == 1
        assert (await builders.balance(client, someone))["balance"] == 0
        assert await builders.bank_balance(database, someone) == 5_000_000


class TestAutoCharge:
    async def test_shortfall_is_charged_in_10000_steps(self, app, client, database):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 3_000)
        user = await user_of(database, someone)
        operation = await money.auto_charge(
            database, app.state.bank, app.state.settings, user, 15_500, "auto-1"
        )
        assert operation is not None
        assert operation.amount == 20_000  # shortfall 12,500 rounded up
        assert (await builders.balance(client, someone))["balance"] == 23_000

    async def test_nothing_when_the_balance_covers_it(self, app, client, database):
        someone = await builders.person(client, database)
        await builders.charge(client, someone, 20_000)
        user = await user_of(database, someone)
        assert (
            await money.auto_charge(
                database, app.state.bank, app.state.settings, user, 20_000, "a2"
            )
            is None
        )

    async def test_refused_when_turned_off(self, app, client, database):
        someone = await builders.person(client, database)
        await client.patch(
            "/api/v1/me/settings", json={"auto_charge_enabled": False}, headers=someone.headers
        )
        user = await user_of(database, someone)
        with pytest.raises(Exception, match="auto-charge is off"):
            await money.auto_charge(database, app.state.bank, app.state.settings, user, 1, "a3")
        assert (await builders.balance(client, someone))["balance"] == 0

    async def test_refused_without_a_linked_account(self, app, client, database):
        someone = await builders.person(client, database, link=False)
        user = await user_of(database, someone)
        with pytest.raises(Exception, match="no bank account is linked"):
            await money.auto_charge(database, app.state.bank, app.state.settings, user, 1, "a4")
