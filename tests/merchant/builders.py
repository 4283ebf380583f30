"""Builders for merchant tests: valid business numbers, applicants with a bank account in their
name, applications, approval, keys, and an operator signed in to the API."""

from __future__ import annotations

import itertools
from datetime import date

import httpx
from sqlalchemy import select

from easypay.db import Database
from easypay.identity import service as identity
from easypay.merchant import service
from easypay.models import Merchant, User
from easypay.money.gateway import BankGateway
from easypay.sandbox.bank import service as sandbox_bank
from tests.money import builders as money
from tests.money.builders import Person
from tests.payment.builders import Shop

OPERATOR_PHONE = "+821090000099"
OPERATOR_PASSWORD = "operator-pass-9"
_serials = itertools.count(1)
_accounts = itertools.count(1)


def business_number(serial: int | None = None, dashed: bool = False) -> str:
    """A valid Korean business registration number (its check digit computed)."""
    body = f"22081{(serial if serial is not None else next(_serials)) % 10_000:04d}"
    values = [int(c) for c in body]
    total = sum(v * w for v, w in zip(values, service.BUSINESS_NUMBER_WEIGHTS, strict=True))
    total += values[8] * 5 // 10
    digits = body + str((10 - total % 10) % 10)
    return service.format_business_number(digits) if dashed else digits


def with_wrong_check_digit(number: str) -> str:
    return number[:9] + str((int(number[9]) + 1) % 10)


async def applicant(client: httpx.AsyncClient, database: Database, name: str = "김민준") -> Person:
    """A user with a PIN and a bank account in their own name (not linked to Pay Money)."""
    return await money.person(client, database, name=name, link=False)


async def user_of(database: Database, someone: Person) -> User:
    async with database.transaction() as session:
        user = await session.get(User, someone.user_id)
        assert user is not None
        return user


async def open_account(database: Database, holder: str, bank_code: str = "088") -> str:
    """An account at the sandbox bank in `holder`'s name; its number."""
    number = f"3301{next(_accounts):08d}"
    async with database.transaction() as session:
        await sandbox_bank.open_account(session, bank_code, number, holder, "+821000000000", 0)
    return number


async def apply(
    database: Database,
    bank: BankGateway,
    someone: Person,
    name: str = "초코상점",
    number: str | None = None,
) -> Merchant:
    user = await user_of(database, someone)
    async with database.transaction() as session:
        return await service.apply(
            session,
            bank,
            user,
            name,
            number or business_number(),
            someone.bank_code,
            someone.account_number,
        )


async def approve(database: Database, merchant_id: int) -> Merchant:
    async with database.transaction() as session:
        return await service.approve(session, merchant_id)


async def merchant(database: Database, merchant_id: int) -> Merchant:
    async with database.transaction() as session:
        found = await session.get(Merchant, merchant_id)
        assert found is not None
        return found


async def issue_keys(database: Database, merchant_id: int) -> Shop:
    async with database.transaction() as session:
        found = await session.get(Merchant, merchant_id)
        assert found is not None
        keys = await service.rotate_keys(session, found)
        cids = await service.cids(session, found)
    return Shop(merchant_id, cids[0].cid, keys.admin_key, keys.secret_key)


async def approved_shop(
    client: httpx.AsyncClient,
    database: Database,
    bank: BankGateway,
    name: str = "초코상점",
    owner_name: str = "김민준",
) -> tuple[Person, Shop]:
    """An owner and their approved merchant with issued keys."""
    owner = await applicant(client, database, owner_name)
    applied = await apply(database, bank, owner, name)
    await approve(database, applied.id)
    return owner, await issue_keys(database, applied.id)


async def operator_headers(client: httpx.AsyncClient, database: Database) -> dict[str, str]:
    async with database.transaction() as session:
        await identity.sign_up(
            session, OPERATOR_PHONE, "운영자", date(1985, 3, 1), OPERATOR_PASSWORD, is_operator=True
        )
    response = await client.post(
        "/api/v1/sessions", json={"phone": OPERATOR_PHONE, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def merchant_ids(database: Database) -> list[int]:
    async with database.transaction() as session:
        return list((await session.scalars(select(Merchant.id).order_by(Merchant.id))).all())


async def cids(database: Database, merchant_id: int) -> list[str]:
    async with database.transaction() as session:
        found = await session.get(Merchant, merchant_id)
        assert found is not None
        return [cid.cid for cid in await service.cids(session, found)]
