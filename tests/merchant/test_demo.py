"""The demo merchant gets an owner who opens its dashboard, and a settlement account at the
sandbox bank; running it twice changes nothing."""

from __future__ import annotations

from datetime import date

import httpx

from easypay.db import Database
from easypay.demo import DEMO_CIDS, DEMO_MERCHANT_ADMIN_KEY, DEMO_MERCHANT_SECRET_KEY, DEMO_PASSWORD
from easypay.merchant import service
from easypay.merchant.demo import give_owner
from easypay.money.gateway import BankGateway
from tests.merchant import builders as build
from tests.web.helpers import csrf_of

OWNER_PHONE = "010-9100-0000"


async def hand_over(database: Database, bank: BankGateway, merchant_id: int) -> int:
    return await give_owner(
        database,
        bank,
        merchant_id,
        phone=OWNER_PHONE,
        name="데모 상점 주인",
        birth_date=date(1980, 1, 1),
        password=DEMO_PASSWORD,
        bank_code="088",
        account_number="110910000000",
    )


class TestDemoOwner:
    async def test_the_owner_opens_the_dashboard(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        async with database.transaction() as session:
            created = await service.create(
                session,
                "EasyPay 데모 상점",
                DEMO_CIDS,
                250,
                admin_key=DEMO_MERCHANT_ADMIN_KEY,
                secret_key=DEMO_MERCHANT_SECRET_KEY,
            )
        merchant_id = created.merchant.id
        owner_id = await hand_over(database, bank, merchant_id)
        again = await hand_over(database, bank, merchant_id)
        assert again == owner_id
        stored = await build.merchant(database, merchant_id)
        assert stored.owner_id == owner_id
        assert (stored.settlement_bank_code, stored.settlement_account_number) == (
            "088",
            "110910000000",
        )
        assert stored.settlement_holder_name == "EasyPay 데모 상점"

        page = await client.get("/signin")
        signed_in = await client.post(
            "/signin",
            data={
                "phone": OWNER_PHONE,
                "password": DEMO_PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
        )
        assert signed_in.status_code == 303
        dashboard = await client.get("/merchant")
        assert dashboard.status_code == 200
        assert "EasyPay 데모 상점" in dashboard.text
        keys = await client.get("/merchant/keys")
        assert "TC0ONETIME" in keys.text
        assert "TCSUBSCRIP" in keys.text
