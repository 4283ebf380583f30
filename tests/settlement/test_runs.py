"""Running settlement: the worker's daily schedule, twice, concurrently, and for a merchant
without a settlement account — each statement is written once and paid once."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from easypay.settlement import service, tasks
from tests.payment import builders as pay
from tests.settlement import builders as s

DAY = date(2026, 11, 20)
NEXT = DAY + timedelta(days=1)


async def run_due(app) -> int:
    return await tasks.run_due(app.state.database, app.state.bank, app.state.settings)


class TestSchedule:
    async def test_settles_yesterday_from_one_oclock_korea_time(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)

        fake_clock.set(s.at_kst(NEXT, 0, 59))
        assert await run_due(app) == 0
        assert await s.statements(database, shop) == []

        fake_clock.set(s.at_kst(NEXT, 1, 0))
        assert await run_due(app) == 2  # one statement written, one payout
        statement = await s.only_statement(database, shop)
        assert (statement.business_date, statement.status) == ("2026-11-20", "paid")
        assert await s.bank_balance(app, shop) == 9_750

    async def test_the_hour_is_configurable(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        late = app.state.settings.model_copy(update={"settlement_hour_kst": 6})
        assert service.settlement_hour(late) == 6
        fake_clock.set(s.at_kst(NEXT, 5, 59))
        assert await tasks.run_due(database, app.state.bank, late) == 0
        fake_clock.set(s.at_kst(NEXT, 6, 0))
        assert await tasks.run_due(database, app.state.bank, late) == 2
        assert (await s.only_statement(database, shop)).status == "paid"

    async def test_nothing_more_to_do_the_same_day(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        assert await run_due(app) == 2
        # A payment today is tomorrow's; later passes today do nothing.
        await s.payment(client, database, app, shop, buyer, 3_000)
        fake_clock.advance(hours=20)
        for _ in range(3):
            assert await run_due(app) == 0
        assert len(await s.statements(database, shop)) == 1
        assert await s.deposits(app, shop) == [9_750]

        s.next_morning(fake_clock, NEXT)
        assert await run_due(app) == 2
        assert await s.deposits(app, shop) == [2_925, 9_750]  # newest first

    async def test_missed_days_are_settled_each_on_its_own(self, app, client, database, fake_clock):
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        for offset, amount in enumerate((1_000, 2_000, 3_000)):
            fake_clock.set(s.at_kst(DAY + timedelta(days=offset), 15))
            await s.payment(client, database, app, shop, buyer, amount)
        # The worker was down until three days later.
        s.next_morning(fake_clock, DAY + timedelta(days=2))
        await run_due(app)
        found = await s.statements(database, shop)
        assert [(st.business_date, st.gross_amount, st.status) for st in found] == [
            ("2026-11-20", 1_000, "paid"),
            ("2026-11-21", 2_000, "paid"),
            ("2026-11-22", 3_000, "paid"),
        ]
        assert await s.bank_balance(app, shop) == 975 + 1_950 + 2_925


class TestOnce:
    async def test_running_twice_pays_once(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database, webhook_url="https://shop.test/hooks")
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        first = await s.run(app, DAY)
        second = await s.run(app, DAY)
        assert len(first.built) == 1
        assert second.built == []
        assert second.payouts == []
        statement = await s.only_statement(database, shop)
        assert (statement.status, statement.attempts) == ("paid", 1)
        assert await s.deposits(app, shop) == [9_750]
        assert await s.fee_revenue(database) == 250
        assert len(await s.webhook_events(database, shop, "settlement.paid")) == 1

    async def test_concurrent_runs_pay_once(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shops = [await s.merchant(database) for _ in range(3)]
        buyer = await pay.buyer(client, database, 100_000)
        for number, shop in enumerate(shops):
            await s.payment(client, database, app, shop, buyer, 10_000 * (number + 1))
        s.next_morning(fake_clock, DAY)
        reports = await asyncio.gather(
            *(s.run(app, DAY) for _ in range(4)), *(run_due(app) for _ in range(2))
        )
        built = [sid for report in reports[:4] for sid in report.built]
        assert len(built) <= 3
        for number, shop in enumerate(shops):
            statement = await s.only_statement(database, shop)
            assert statement.status == "paid"
            assert statement.attempts == 1
            net = 10_000 * (number + 1) * 9_750 // 10_000
            assert statement.net_amount == net
            assert await s.deposits(app, shop) == [net]
        assert await s.fee_revenue(database) == 250 + 500 + 750

    async def test_concurrent_payouts_of_one_statement_pay_once(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        [settlement_id] = await service.build_day(database, DAY)
        results = await asyncio.gather(
            *(service.pay(database, app.state.bank, settlement_id) for _ in range(5))
        )
        assert {result.status for result in results} <= {"paying", "paid"}
        statement = await s.only_statement(database, shop)
        assert (statement.status, statement.attempts) == ("paid", 1)
        assert await s.deposits(app, shop) == [9_750]


class TestWithoutAccount:
    async def test_waits_open_then_is_paid_once_an_account_is_set(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database, with_account=False)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        assert await run_due(app) == 1  # written; no payout tried
        statement = await s.only_statement(database, shop)
        assert statement.status == "open"
        assert statement.bank_result_code == service.NO_ACCOUNT
        assert "settlement account" in statement.bank_message
        assert statement.attempts == 0
        assert statement.bank_tran_id is None
        assert await s.payable(database, shop) == {"posted": 9_750, "held": 0}
        assert await s.bank_balance(app, shop) == 0

        await s.set_account(database, shop)
        s.next_morning(fake_clock, NEXT)
        await run_due(app)
        statement = await s.only_statement(database, shop)
        assert (statement.status, statement.attempts) == ("paid", 1)
        assert statement.bank_message != service.NO_ACCOUNT_MESSAGE
        assert statement.account_number == shop.account_number
        assert await s.bank_balance(app, shop) == 9_750
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}
