"""What `easypay user create`, `merchant create` and `admin create-operator` do, as functions
that return JSON-ready dicts (scripts and later issues parse the output)."""

from __future__ import annotations

from datetime import date
from typing import Any

from easypay.config import Settings
from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.identity import service as identity
from easypay.ledger import service as ledger
from easypay.merchant import service as merchant_service


async def create_user(
    settings: Settings,
    phone: str,
    name: str,
    birth_date: date,
    password: str,
    pin: str | None = None,
    token: bool = False,
) -> dict[str, Any]:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            user = await identity.sign_up(session, phone, name, birth_date, password)
            if pin is not None:
                await identity.set_pin(session, settings.server_secret, user, pin)
            wallet = await ledger.user_wallet(session, user.id)
        result: dict[str, Any] = {
            "user_id": user.id,
            "phone": user.phone,
            "name": user.name,
            "wallet_account_id": wallet.id,
            "pin_set": pin is not None,
        }
        if token:
            principal, secret = await identity.sign_in(
                database, settings, phone, password, "api", "easypay-cli"
            )
            result["token"] = secret
            result["session_id"] = principal.session.id
        return result
    finally:
        await database.dispose()


async def create_operator(
    settings: Settings, phone: str, name: str, birth_date: date, password: str
) -> dict[str, Any]:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            existing = await identity_repository.user_by_phone(session, identity.parse_phone(phone))
            if existing is not None:
                existing.is_operator = True
                user = existing
            else:
                user = await identity.sign_up(
                    session, phone, name, birth_date, password, is_operator=True
                )
        return {"user_id": user.id, "phone": user.phone, "is_operator": True}
    finally:
        await database.dispose()


async def create_merchant(
    settings: Settings, name: str, cids: list[str], fee_bp: int
) -> dict[str, Any]:
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            created = await merchant_service.create(session, name, cids, fee_bp)
        return {
            "merchant_id": created.merchant.id,
            "name": created.merchant.name,
            "cids": created.cids,
            "fee_bp": created.merchant.fee_bp,
            "admin_key": created.admin_key,
            "secret_key": created.secret_key,
            "payable_account_id": created.payable_account_id,
        }
    finally:
        await database.dispose()
