"""The demo merchant's owner: a user who runs its dashboard, and a settlement account in the
merchant's name at the sandbox bank (checked by the bank's real-name inquiry, like any other).
Called by `easypay.demo` after it creates the merchant; running it again changes nothing."""

from __future__ import annotations

from datetime import date

from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.identity import service as identity
from easypay.merchant import repository, service
from easypay.merchant.errors import MerchantNotFound
from easypay.money import gateway
from easypay.sandbox.bank import repository as sandbox_repository
from easypay.sandbox.bank import service as sandbox_bank


async def give_owner(
    database: Database,
    bank: gateway.BankGateway,
    merchant_id: int,
    *,
    phone: str,
    name: str,
    birth_date: date,
    password: str,
    bank_code: str,
    account_number: str,
) -> int:
    """Sign up the owner (unless they exist), open the merchant's account at the sandbox bank
    (unless open), make them the merchant's owner and set its settlement account. The owner's id."""
    e164 = identity.parse_phone(phone)
    async with database.transaction() as session:
        merchant = await repository.merchant_by_id(session, merchant_id, for_update=True)
        if merchant is None:
            raise MerchantNotFound()
        owner = await identity_repository.user_by_phone(session, e164)
        if owner is None:
            owner = await identity.sign_up(session, phone, name, birth_date, password)
        merchant.owner_id = owner.id
        if await sandbox_repository.account(session, bank_code, account_number) is None:
            await sandbox_bank.open_account(
                session, bank_code, account_number, merchant.name, e164, 0
            )
        owner_id = owner.id
    account = await service.inquire_account(bank, bank_code, account_number)  # no lock held
    async with database.transaction() as session:
        merchant = await repository.merchant_by_id(session, merchant_id, for_update=True)
        assert merchant is not None
        await service.set_settlement_account(session, merchant, account)
    return owner_id
