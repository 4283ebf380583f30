"""Two at once: applications, reviews and dashboard cancels; exactly one wins each time."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from easypay.config import Settings
from easypay.db import Database
from easypay.merchant import service
from easypay.merchant.errors import AlreadyApplied, BusinessNumberTaken, MerchantNotPending
from easypay.models import Merchant
from easypay.money.gateway import BankGateway
from easypay.payment import service as payment_service
from easypay.payment.errors import CancelFailed
from tests.merchant import builders as build
from tests.payment import builders as pay


async def open_merchants(database: Database) -> int:
    async with database.transaction() as session:
        statement = select(func.count()).select_from(Merchant).where(Merchant.status == "pending")
        return int((await session.execute(statement)).scalar_one())


def outcomes(results: list[object]) -> tuple[int, list[type[BaseException]]]:
    wins = sum(1 for r in results if not isinstance(r, BaseException))
    return wins, [type(r) for r in results if isinstance(r, BaseException)]


class TestRaces:
    async def test_one_person_applying_twice_at_once(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        results = await asyncio.gather(
            build.apply(database, bank, owner, "첫째"),
            build.apply(database, bank, owner, "둘째"),
            return_exceptions=True,
        )
        assert outcomes(list(results)) == (1, [AlreadyApplied])
        assert await open_merchants(database) == 1

    async def test_two_people_with_one_business_number_at_once(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        first = await build.applicant(client, database)
        second = await build.applicant(client, database, "이서연")
        number = build.business_number()
        results = await asyncio.gather(
            build.apply(database, bank, first, number=number),
            build.apply(database, bank, second, number=number),
            return_exceptions=True,
        )
        assert outcomes(list(results)) == (1, [BusinessNumberTaken])
        assert await open_merchants(database) == 1

    async def test_approve_and_reject_at_once(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        applied = await build.apply(database, bank, await build.applicant(client, database))

        async def review(approve: bool) -> str:
            async with database.transaction() as session:
                if approve:
                    return (await service.approve(session, applied.id)).status
                return (await service.reject(session, applied.id)).status

        results = await asyncio.gather(review(True), review(False), return_exceptions=True)
        wins, errors = outcomes(list(results))
        assert (wins, errors) == (1, [MerchantNotPending])
        winner = next(r for r in results if isinstance(r, str))
        assert (await build.merchant(database, applied.id)).status == winner

    async def test_two_cancels_of_what_remains_at_once(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        bank: BankGateway,
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        buyer = await pay.buyer(client, database, 10_000)
        started = await pay.paid(client, database, settings, shop, buyer, total_amount=3_000)

        async def cancel() -> None:
            async with database.transaction() as session:
                merchant = await session.get(Merchant, shop.merchant_id)
                assert merchant is not None
                # What the dashboard's form sends: the amount it showed as cancelable.
                await payment_service.cancel(
                    session, merchant, shop.cid, started.tid, 2_000, 0, None, 3_000
                )

        results = await asyncio.gather(cancel(), cancel(), return_exceptions=True)
        assert outcomes(list(results)) == (1, [CancelFailed])
        assert await pay.money_balance(client, buyer) == 10_000 - 3_000 + 2_000
