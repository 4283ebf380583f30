"""The dashboard's payment search: each filter, KST days, newest first, pages, one merchant only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from easypay.config import Settings
from easypay.db import Database
from easypay.errors import InvalidInput
from easypay.kit.clock import FakeClock
from easypay.merchant import service
from easypay.merchant.errors import MerchantPaymentNotFound
from easypay.merchant.service import KST, PaymentSearch
from easypay.models import Merchant
from easypay.money.gateway import BankGateway
from tests.merchant import builders as build
from tests.payment import builders as pay
from tests.payment.builders import Shop


async def search(
    database: Database, shop: Shop, before: int | None = None, limit: int = 20, **filters: Any
) -> service.PaymentsPage:
    async with database.transaction() as session:
        merchant = await session.get(Merchant, shop.merchant_id)
        assert merchant is not None
        return await service.search_payments(
            session,
            merchant,
            PaymentSearch(**filters),
            before,
            limit,
        )


async def tids(database: Database, shop: Shop, **filters: Any) -> list[str]:
    return [p.tid for p in (await search(database, shop, **filters)).items]


class TestSearch:
    async def test_each_filter(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        bank: BankGateway,
        fake_clock: FakeClock,
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        _, other = await build.approved_shop(client, database, bank, "남의상점", "이서연")
        buyer = await pay.buyer(client, database)
        # Around a KST midnight: 23:59:59 belongs to the day before, 00:00:00 to the day.
        today = datetime.now(KST).date()
        midnight = datetime.combine(today, time(0), ZoneInfo("Asia/Seoul"))  # not the code's
        fake_clock.set(midnight - timedelta(seconds=1))
        late = await pay.ready(client, shop, partner_order_id="late")
        fake_clock.set(midnight)
        paid = await pay.paid(client, database, settings, shop, buyer, partner_order_id="paid")
        fake_clock.set(midnight + timedelta(hours=1))
        newest = await pay.ready(client, shop, partner_order_id="newest")
        theirs = await pay.ready(client, other, partner_order_id="paid")

        assert await tids(database, shop) == [newest.tid, paid.tid, late.tid]  # newest first
        assert await tids(database, shop, partner_order_id="paid") == [paid.tid]
        assert await tids(database, shop, partner_order_id="pai") == []  # exact, not "contains"
        assert await tids(database, shop, tid=late.tid) == [late.tid]
        assert await tids(database, shop, tid=theirs.tid) == []  # another merchant's
        yesterday = today - timedelta(days=1)
        assert await tids(database, shop, date_from=yesterday, date_to=yesterday) == [late.tid]
        assert await tids(database, shop, date_from=today) == [newest.tid, paid.tid]
        assert await tids(database, shop, date_to=yesterday) == [late.tid]
        assert await tids(database, shop, date_from=today, date_to=today) == [newest.tid, paid.tid]
        assert await tids(database, shop, status="SUCCESS_PAYMENT") == [paid.tid]
        assert await tids(database, shop, status="READY") == [newest.tid, late.tid]
        assert await tids(database, shop, status="READY", date_from=today) == [newest.tid]
        assert await tids(database, other) == [theirs.tid]

    async def test_pages_follow_one_another(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        made = [(await pay.ready(client, shop)).tid for _ in range(5)]
        first = await search(database, shop, limit=2)
        assert [p.tid for p in first.items] == made[::-1][:2]
        second = await search(database, shop, before=first.next_before, limit=2)
        assert [p.tid for p in second.items] == made[::-1][2:4]
        last = await search(database, shop, before=second.next_before, limit=2)
        assert [p.tid for p in last.items] == made[:1]
        assert last.next_before is None

    @pytest.mark.parametrize(
        "filters",
        [
            {"status": "PAID"},
            {"status": "ready"},
            {"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)},
            {"date_to": date.max},
            {"date_from": date.min},
        ],
    )
    async def test_bad_filters_are_refused(
        self,
        client: httpx.AsyncClient,
        database: Database,
        bank: BankGateway,
        filters: dict[str, Any],
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        with pytest.raises(InvalidInput):
            await search(database, shop, **filters)

    async def test_one_payment_of_this_merchant_only(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        _, other = await build.approved_shop(client, database, bank, "남의상점", "이서연")
        theirs = await pay.ready(client, other)
        mine = await pay.ready(client, shop)
        async with database.transaction() as session:
            merchant = await session.get(Merchant, shop.merchant_id)
            assert merchant is not None
            assert (await service.payment(session, merchant, mine.tid)).tid == mine.tid
            for tid in (theirs.tid, "", "T" + "0" * 19):
                with pytest.raises(MerchantPaymentNotFound):
                    await service.payment(session, merchant, tid)
