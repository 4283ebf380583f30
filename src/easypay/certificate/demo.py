"""The demo institution (이지은행, the /demo-bank page's relying party) with its published API
key, so the README's institution calls work on `make run` without an operator step. Loading
twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import institutions
from easypay.kit.crypto import sha256_hex
from easypay.models import Institution

DEMO_INSTITUTION_NAME = "이지은행 (데모)"
DEMO_INSTITUTION_KEY = "inst_demo0000000000000000000000000000000000000000"


async def ensure_demo_institution(session: AsyncSession) -> None:
    query = select(Institution.id).where(
        Institution.api_key_hash == sha256_hex(DEMO_INSTITUTION_KEY)
    )
    if (await session.execute(query)).scalar_one_or_none() is None:
        await institutions.create(session, DEMO_INSTITUTION_NAME, api_key=DEMO_INSTITUTION_KEY)
