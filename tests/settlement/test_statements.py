"""The daily statement: which actions it takes, its arithmetic (fees, rounding, cancels), the
payout seen at the bank over HTTP, the ledger legs, and carried-forward negatives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from easypay.settlement import service
from easypay.settlement.errors import BusinessDayNotOver
from tests.payment import builders as pay
from tests.settlement import builders as s

DAY = date(2026, 11, 20)
NEXT = DAY + timedelta(days=1)


@pytest.mark.no_database
class TestArithmetic:
    @pytest.mark.parametrize(
        ("amount", "fee_bp", "fee"),
        [
            (10_000, 250, 250),
            (2_200, 250, 55),
            (1_220, 250, 31),  # 30.5 rounds half up
            (1_219, 250, 30),  # 30.475 rounds down
            (1, 250, 0),
            (20, 250, 1),  # 0.5 rounds up
            (19, 250, 0),
            (12_345, 0, 0),
            (12_345, 10_000, 12_345),
            (10**12, 330, 33_000_000_000),
        ],
    )
    def test_fee_is_basis_points_rounded_half_up(self, amount, fee_bp, fee):
        assert service.line_amounts("PAYMENT", amount, fee_bp) == (amount, fee)

    def test_a_cancel_is_negative_and_gives_its_fee_back(self):
        assert service.line_amounts("CANCEL", 1_220, 250) == (-1_220, -31)

    def test_totals(self):
        totals = service.Totals.of([(10_000, 250), (1_220, 31), (-2_000, -50)])
        assert (totals.gross, totals.cancel, totals.fee, totals.net) == (11_220, 2_000, 231, 8_989)

    @pytest.mark.parametrize(
        ("kst", "hour", "due"),
        [
            (datetime(2026, 11, 21, 0, 30), 1, date(2026, 11, 19)),
            (datetime(2026, 11, 21, 0, 59, 59), 1, date(2026, 11, 19)),
            (datetime(2026, 11, 21, 1, 0), 1, date(2026, 11, 20)),
            (datetime(2026, 11, 21, 23, 59), 1, date(2026, 11, 20)),
            (datetime(2026, 11, 21, 0, 0), 0, date(2026, 11, 20)),
            (datetime(2026, 11, 21, 5, 59), 6, date(2026, 11, 19)),
        ],
    )
    def test_due_day_is_yesterday_from_the_hour(self, kst, hour, due):
        assert service.due_business_date(kst.replace(tzinfo=s.KST), hour) == due

    def test_business_day_is_korea_time(self):
        # 15:00 UTC is midnight in Seoul: the next business day already.
        assert service.business_date_of(datetime(2026, 11, 20, 14, 59, tzinfo=UTC)) == DAY
        assert service.business_date_of(datetime(2026, 11, 20, 15, 0, tzinfo=UTC)) == NEXT
        assert service.end_of(DAY) == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


class TestDailyStatement:
    async def test_one_day_net_of_cancels_and_fees_paid_to_the_account(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 9))
        shop = await s.merchant(database, fee_bp=250)
        buyer = await pay.buyer(client, database, 50_000)
        first = await s.payment(client, database, app, shop, buyer, 10_000)
        fake_clock.set(s.at_kst(DAY, 23, 59))
        await s.payment(client, database, app, shop, buyer, 1_220)
        await s.cancel(client, shop, first, 2_000)
        fake_clock.set(s.at_kst(NEXT, 0, 1))  # the next business day
        await s.payment(client, database, app, shop, buyer, 5_000)

        s.next_morning(fake_clock, DAY)
        report = await s.run(app, DAY)

        statement = await s.only_statement(database, shop)
        assert statement.business_date == "2026-11-20"
        assert statement.gross_amount == 11_220
        assert statement.cancel_amount == 2_000
        assert statement.fee_amount == 250 + 31 - 50
        assert statement.net_amount == 8_989
        assert statement.status == "paid"
        assert statement.attempts == 1
        assert statement.paid_at is not None
        assert (statement.bank_code, statement.account_number) == (
            shop.bank_code,
            shop.account_number,
        )
        assert report.built == [statement.id]
        lines = await s.lines(database, statement.id)
        assert [(line.kind, line.amount, line.fee) for line in lines] == [
            ("PAYMENT", 10_000, 250),
            ("PAYMENT", 1_220, 31),
            ("CANCEL", -2_000, -50),
        ]
        assert await s.bank_balance(app, shop) == 8_989
        assert await s.deposits(app, shop) == [8_989]
        assert await s.fee_revenue(database) == 231
        # Only the next day's payment is still owed to the merchant.
        assert await s.payable(database, shop) == {"posted": 5_000, "held": 0}

        s.next_morning(fake_clock, NEXT)
        await s.run(app, NEXT)
        second = (await s.statements(database, shop))[1]
        assert (second.business_date, second.gross_amount, second.fee_amount) == (
            "2026-11-21",
            5_000,
            125,
        )
        assert second.net_amount == 4_875
        assert second.status == "paid"
        assert await s.bank_balance(app, shop) == 8_989 + 4_875
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}
        assert await s.fee_revenue(database) == 231 + 125

    async def test_each_merchant_gets_its_own_statement_and_fee(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 10))
        cheap = await s.merchant(database, fee_bp=100)
        dear = await s.merchant(database, fee_bp=330)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, cheap, buyer, 12_345)
        await s.payment(client, database, app, dear, buyer, 12_345)
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        assert (await s.only_statement(database, cheap)).fee_amount == 123  # 123.45
        assert (await s.only_statement(database, dear)).fee_amount == 407  # 407.385
        assert await s.bank_balance(app, cheap) == 12_345 - 123
        assert await s.bank_balance(app, dear) == 12_345 - 407

    async def test_an_action_left_out_rolls_forward_to_the_next_statement(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 4_000)
        # The day before is settled first (nothing then); the day itself was never run.
        s.next_morning(fake_clock, NEXT)
        await s.run(app, DAY - timedelta(days=1))
        assert await s.statements(database, shop) == []
        await s.run(app, NEXT)
        statement = await s.only_statement(database, shop)
        assert (statement.business_date, statement.gross_amount) == ("2026-11-21", 4_000)

    async def test_a_day_not_over_cannot_be_settled(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 23, 59))
        with pytest.raises(BusinessDayNotOver):
            await s.run(app, DAY)


class TestCarryForward:
    async def test_more_cancels_than_payments_are_taken_from_the_next_statement(
        self, app, client, database, fake_clock
    ):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database, fee_bp=250)
        buyer = await pay.buyer(client, database, 50_000)
        tid = await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        assert await s.bank_balance(app, shop) == 9_750

        await s.cancel(client, shop, tid, 10_000)  # on the next day
        s.next_morning(fake_clock, NEXT)
        report = await s.run(app, NEXT)
        assert report.built == []
        assert len(await s.statements(database, shop)) == 1  # none for a negative day
        assert await s.payable(database, shop) == {"posted": -10_000, "held": 0}
        assert await s.bank_balance(app, shop) == 9_750

        third = NEXT + timedelta(days=1)
        await s.payment(client, database, app, shop, buyer, 20_000)
        s.next_morning(fake_clock, third)
        await s.run(app, third)
        statement = (await s.statements(database, shop))[-1]
        assert statement.business_date == third.isoformat()
        assert (statement.gross_amount, statement.cancel_amount) == (20_000, 10_000)
        assert statement.fee_amount == 500 - 250
        assert statement.net_amount == 9_750
        assert [line.kind for line in await s.lines(database, statement.id)] == [
            "CANCEL",
            "PAYMENT",
        ]
        assert await s.bank_balance(app, shop) == 9_750 + 9_750
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}
        assert await s.fee_revenue(database) == 250 + 250

    async def test_net_zero_is_nothing_to_pay(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database, webhook_url="https://shop.test/hooks")
        buyer = await pay.buyer(client, database, 50_000)
        tid = await s.payment(client, database, app, shop, buyer, 10_000)
        await s.cancel(client, shop, tid, 10_000)
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        statement = await s.only_statement(database, shop)
        assert statement.status == "nothing"
        assert (statement.gross_amount, statement.cancel_amount, statement.fee_amount) == (
            10_000,
            10_000,
            0,
        )
        assert statement.net_amount == 0
        assert statement.bank_tran_id is None
        assert len(await s.lines(database, statement.id)) == 2
        assert await s.deposits(app, shop) == []
        assert await s.webhook_events(database, shop, "settlement.paid") == []
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}

    async def test_fees_given_back_can_exceed_fees_charged(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database, fee_bp=250)
        buyer = await pay.buyer(client, database, 50_000)
        tid = await s.payment(client, database, app, shop, buyer, 100)  # fee 2.5 → 3
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        assert await s.bank_balance(app, shop) == 97

        await s.cancel(client, shop, tid, 20)  # gives back 0.5 → 1
        for _ in range(3):
            await s.payment(client, database, app, shop, buyer, 19)  # fee 0.475 → 0
        s.next_morning(fake_clock, NEXT)
        await s.run(app, NEXT)
        statement = (await s.statements(database, shop))[-1]
        assert (statement.gross_amount, statement.cancel_amount) == (57, 20)
        assert statement.fee_amount == -1
        assert statement.net_amount == 38
        assert statement.status == "paid"
        assert await s.fee_revenue(database) == 2
        assert await s.bank_balance(app, shop) == 97 + 38
        assert await s.payable(database, shop) == {"posted": 0, "held": 0}


class TestWebhook:
    async def test_paid_statement_is_announced(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database, webhook_url="https://shop.test/hooks")
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        statement = await s.only_statement(database, shop)
        events = await s.webhook_events(database, shop, "settlement.paid")
        assert len(events) == 1
        data = events[0]["data"]
        assert data["settlement_id"] == statement.id
        assert data["business_date"] == "2026-11-20"
        assert (data["gross_amount"], data["fee_amount"], data["net_amount"]) == (
            10_000,
            250,
            9_750,
        )
        assert data["line_count"] == 1
        assert data["status"] == "paid"
        assert data["bank_tran_id"] == statement.bank_tran_id
        assert shop.account_number not in str(data)  # masked
        await s.run(app, DAY)
        assert len(await s.webhook_events(database, shop, "settlement.paid")) == 1

    async def test_no_event_without_a_webhook_url(self, app, client, database, fake_clock):
        fake_clock.set(s.at_kst(DAY, 10))
        shop = await s.merchant(database)
        buyer = await pay.buyer(client, database, 50_000)
        await s.payment(client, database, app, shop, buyer, 10_000)
        s.next_morning(fake_clock, DAY)
        await s.run(app, DAY)
        assert (await s.only_statement(database, shop)).status == "paid"
        assert await s.webhook_events(database, shop, "settlement.paid") == []
