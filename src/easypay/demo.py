"""The demo data `make run` loads: people with funded bank accounts, a demo merchant, an operator.

Everything goes through the real services — sign-up, the bank's real-name check, a real charge
through the sandbox bank's HTTP API (in-process here, since the server is not up yet) — so the
ledger holds exactly what it would after people used the app. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx

from easypay.card.demo import load_demo_cards
from easypay.certificate.demo import ensure_demo_institution
from easypay.config import Settings
from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.identity import service as identity
from easypay.ledger import service as ledger
from easypay.merchant import service as merchant_service
from easypay.merchant.demo import give_owner
from easypay.models import User
from easypay.money import service as money
from easypay.money.open_banking import OpenBankingGateway
from easypay.sandbox.bank import service as sandbox_bank
from easypay.sandbox.bank.app import create_bank_app

DEMO_PASSWORD = "easypay-demo-1"  # noqa: S105 - published in README
DEMO_PIN = "135790"
DEMO_BANK_BALANCE = 3_000_000
DEMO_CHARGE = 100_000
DEMO_MERCHANT_NAME = "EasyPay 데모 상점"
DEMO_MERCHANT_ADMIN_KEY = "d3m0adm1nkey0000000000000000demo"
DEMO_MERCHANT_SECRET_KEY = "DEVDEMOSECRETKEY00000000000000000000000000"  # noqa: S105 - published in README
DEMO_CIDS = ["TC0ONETIME", "TCSUBSCRIP"]


@dataclass(frozen=True)
class DemoPerson:
    phone: str
    name: str
    birth_date: date
    bank_code: str
    account_number: str
    is_operator: bool = False


PEOPLE = [
    DemoPerson("010-1234-5678", "김민준", date(1990, 5, 17), "088", "110123456789"),
    DemoPerson("010-2345-6789", "이서연", date(1993, 11, 2), "004", "94380200123456"),
    DemoPerson("010-3456-7890", "박지훈", date(1987, 2, 24), "090", "333301234567"),
]
OPERATOR = DemoPerson("010-9000-0000", "운영자", date(1985, 1, 1), "088", "110999000000", True)
# Runs the demo merchant's dashboard (/merchant); the account is the merchant's settlement account.
MERCHANT_OWNER = DemoPerson(
    "010-9100-0000", "데모 상점 주인", date(1980, 1, 1), "088", "110910000000"
)


async def load_demo(settings: Settings) -> bool:
    """Load the demo data unless it is there; True when something was created."""
    database = Database(settings.database_url)
    bank_app = create_bank_app(database, settings)
    bank = OpenBankingGateway(
        "http://sandbox.invalid",
        settings.bank_api_token,
        settings.bank_timeout_seconds,
        transport=httpx.ASGITransport(app=bank_app),
    )
    try:
        async with database.transaction() as session:
            await ledger.ensure_system_accounts(session)
            await sandbox_bank.ensure_corporate_account(session)
            first = identity.parse_phone(PEOPLE[0].phone)
            if await identity_repository.user_by_phone(session, first) is not None:
                return False
        for person in [*PEOPLE, OPERATOR]:
            await _load_person(database, bank, settings, person)
        async with database.transaction() as session:
            minjun = await identity_repository.user_by_phone(session, first)
            assert minjun is not None
            for friend in PEOPLE[1:]:
                await identity.add_friend(session, minjun, friend.phone)
            created = await merchant_service.create(
                session,
                DEMO_MERCHANT_NAME,
                DEMO_CIDS,
                250,
                admin_key=DEMO_MERCHANT_ADMIN_KEY,
                secret_key=DEMO_MERCHANT_SECRET_KEY,
            )
            await ensure_demo_institution(session)
        owner_id = await give_owner(
            database,
            bank,
            created.merchant.id,
            phone=MERCHANT_OWNER.phone,
            name=MERCHANT_OWNER.name,
            birth_date=MERCHANT_OWNER.birth_date,
            password=DEMO_PASSWORD,
            bank_code=MERCHANT_OWNER.bank_code,
            account_number=MERCHANT_OWNER.account_number,
        )
        async with database.transaction() as session:
            owner = await session.get(User, owner_id)
            assert owner is not None
            await identity.set_pin(session, settings.server_secret, owner, DEMO_PIN)
        await load_demo_cards(database, settings)
        return True
    finally:
        await bank.aclose()
        await database.dispose()


async def _load_person(
    database: Database, bank: OpenBankingGateway, settings: Settings, person: DemoPerson
) -> None:
    async with database.transaction() as session:
        await sandbox_bank.open_account(
            session,
            person.bank_code,
            person.account_number,
            person.name,
            identity.parse_phone(person.phone),
            DEMO_BANK_BALANCE,
        )
        user = await identity.sign_up(
            session,
            person.phone,
            person.name,
            person.birth_date,
            DEMO_PASSWORD,
            is_operator=person.is_operator,
        )
        await identity.set_pin(session, settings.server_secret, user, DEMO_PIN)
    async with database.transaction() as session:
        link = await money.link_account(
            session, bank, user, person.bank_code, person.account_number, consent=True
        )
    if not person.is_operator:
        await money.charge(
            database, bank, settings, user, link.id, DEMO_CHARGE, f"demo:charge:{user.phone}"
        )
