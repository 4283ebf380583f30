"""Creating merchants with their CIDs, keys and payable account."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.errors import InvalidInput
from easypay.kit.clock import clock
from easypay.kit.crypto import sha256_hex
from easypay.ledger import service as ledger
from easypay.ledger.accounts import MERCHANT_PAYABLES
from easypay.merchant.errors import CidTaken, InvalidCid
from easypay.models import Merchant, MerchantCid

CID_PATTERN = re.compile(r"^[A-Z0-9]{10}$")


@dataclass(frozen=True)
class CreatedMerchant:
    merchant: Merchant
    cids: list[str]
    admin_key: str  # shown once
    secret_key: str  # shown once
    payable_account_id: int


def new_admin_key() -> str:
    """32 hex characters, the shape of a KakaoPay admin key."""
    return secrets.token_hex(16)


def new_secret_key() -> str:
    return "DEV" + secrets.token_hex(20).upper()


def new_cid() -> str:
    return "EP" + secrets.token_hex(4).upper()


async def create(
    session: AsyncSession,
    name: str,
    cids: list[str],
    fee_bp: int,
    admin_key: str | None = None,
    secret_key: str | None = None,
) -> CreatedMerchant:
    """Create a merchant; keys are generated unless given (the demo merchant's are published)."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise InvalidInput("A merchant name is 1 to 100 characters.")
    if not 0 <= fee_bp <= 10_000:
        raise InvalidInput("The fee is 0 to 10,000 basis points.")
    wanted = [cid.upper() for cid in cids] or [new_cid()]
    for cid in wanted:
        if not CID_PATTERN.match(cid):
            raise InvalidCid()
        if await session.get(MerchantCid, cid) is not None:
            raise CidTaken(f"CID {cid} belongs to another merchant.")
    admin_key = admin_key or new_admin_key()
    secret_key = secret_key or new_secret_key()
    now = clock.now()
    merchant = Merchant(
        name=name,
        status="active",
        fee_bp=fee_bp,
        admin_key_hash=sha256_hex(admin_key),
        secret_key_hash=sha256_hex(secret_key),
        created_at=now,
    )
    session.add(merchant)
    await session.flush()
    for cid in wanted:
        kind = "subscription" if cid.startswith("TCSUB") else "onetime"
        session.add(MerchantCid(cid=cid, merchant_id=merchant.id, kind=kind, created_at=now))
    payable = await ledger.open_account(session, MERCHANT_PAYABLES, "KRW", merchant.id)
    await session.flush()
    return CreatedMerchant(merchant, wanted, admin_key, secret_key, payable.id)
