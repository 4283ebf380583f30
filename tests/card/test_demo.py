"""The demo cards: the sandbox's published cards seeded, 김민준's card registered once."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from easypay.card.demo import load_demo_cards
from easypay.config import Settings
from easypay.db import Database
from easypay.models import SandboxCard
from easypay.sandbox.card.service import PUBLISHED_CARDS
from tests.money.builders import person


class TestLoadDemoCards:
    async def test_minjun_gets_his_card_once(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        minjun = await person(client, database, link=False, phone="+821012345678")
        assert await load_demo_cards(database, settings) is True
        assert await load_demo_cards(database, settings) is False
        response = await client.get("/api/v1/cards", headers=minjun.headers)
        cards = response.json()
        assert [(c["last4"], c["nickname"]) for c in cards] == [("0010", "민준 생활비 카드")]
        async with database.transaction() as session:
            numbers = set((await session.execute(select(SandboxCard.number))).scalars())
        assert numbers == {published.number for published in PUBLISHED_CARDS}

    async def test_without_the_demo_people_nothing_is_registered(
        self, database: Database, settings: Settings
    ) -> None:
        assert await load_demo_cards(database, settings) is False
