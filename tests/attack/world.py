"""The people and parties of the attack tests: two funded users with a PIN and a linked bank
account, an operator, two merchants with their keys and two institutions with theirs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from easypay.certificate import institutions
from easypay.db import Database
from easypay.money.tasks import reconcile_bank_operations
from tests.identity.builders import signed_up_operator
from tests.money import builders as money
from tests.money.builders import Person
from tests.payment import builders as payment
from tests.payment.builders import Shop


@dataclass
class World:
    alice: Person
    bob: Person
    operator: dict[str, str]
    shop: Shop
    other_shop: Shop
    institution_key: str
    other_institution_key: str

    def institution(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.institution_key}"}


async def funded(
    app: FastAPI, client: httpx.AsyncClient, database: Database, name: str, funds: int
) -> Person:
    """A person with `funds` of Pay Money available. On a loaded machine the sandbox bank may
    answer after the client's timeout: the charge is then pending until reconciled (as the
    worker would), which this does rather than fail the setup."""
    someone = await money.person(client, database, name)
    for _ in range(50):
        balance = await money.balance(client, someone)
        if balance["available"] >= funds:
            return someone
        if balance["incoming"]:
            await reconcile_bank_operations(database, app.state.bank, app.state.settings)
            await asyncio.sleep(0.1)
        else:
            charged = await money.charge(client, someone, funds - balance["available"])
            assert charged.status_code == 201, charged.text
    raise AssertionError(f"{name}'s charge of {funds} never completed")


async def build(
    app: FastAPI, client: httpx.AsyncClient, database: Database, funds: int = 200_000
) -> World:
    alice = await funded(app, client, database, "김민준", funds)
    bob = await funded(app, client, database, "이서연", funds)
    operator = await signed_up_operator(client, database)
    shop = await payment.shop(database, "TC0ONETIME", "초코상점")
    other_shop = await payment.shop(database, "TCOTHER001", "바닐라상점")
    async with database.transaction() as session:
        first = await institutions.create(session, "국민은행")
        second = await institutions.create(session, "신한은행")
    return World(
        alice,
        bob,
        operator.headers,
        shop,
        other_shop,
        first.api_key,
        second.api_key,
    )
