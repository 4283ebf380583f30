"""The merchant behind a dashboard page: the approved merchant the signed-in user runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import select

from easypay.db import DbSession
from easypay.merchant.errors import NoMerchantAccount
from easypay.models import Merchant
from easypay.web.visitor import WebPrincipal


async def _merchant(principal: WebPrincipal, db: DbSession) -> Merchant:
    statement = (
        select(Merchant)
        .where(Merchant.owner_id == principal.user.id, Merchant.status == "active")
        .order_by(Merchant.id)
        .limit(1)
    )
    merchant = (await db.execute(statement)).scalar_one_or_none()
    if merchant is None:
        raise NoMerchantAccount()
    return merchant


WebMerchant = Annotated[Merchant, Depends(_merchant)]
