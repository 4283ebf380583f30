"""Institutions (relying parties: banks, insurers, offices) that ask users to sign.

An operator creates one; its API key is shown once, in that answer, and only its SHA-256 is
stored (like merchant keys). Institutions call with `Authorization: Bearer <key>`; an unknown
key or a suspended institution is refused alike (401).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.errors import InvalidInput, Unauthorized
from easypay.kit.clock import clock
from easypay.kit.crypto import sha256_hex
from easypay.models import Institution

KEY_PREFIX = "inst_"
_MAX_KEY_CHARS = 100


class InstitutionUnauthorized(Unauthorized):
    code = "InstitutionUnauthorized"
    message = "Send a valid institution API key as `Authorization: Bearer <key>`."


@dataclass(frozen=True)
class CreatedInstitution:
    institution: Institution
    api_key: str  # shown once


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_hex(24)


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 100:
        raise InvalidInput("An institution name is 1 to 100 characters.")
    return name


async def create(session: AsyncSession, name: str) -> CreatedInstitution:
    key = new_api_key()
    institution = Institution(
        name=_clean_name(name),
        api_key_hash=sha256_hex(key),
        status="active",
        created_at=clock.now(),
    )
    session.add(institution)
    await session.flush()
    return CreatedInstitution(institution, key)


async def by_key(session: AsyncSession, key: str) -> Institution:
    """The active institution holding `key`, or InstitutionUnauthorized."""
    if not key or len(key) > _MAX_KEY_CHARS:
        raise InstitutionUnauthorized()
    query = select(Institution).where(Institution.api_key_hash == sha256_hex(key))
    institution = (await session.execute(query)).scalar_one_or_none()
    if institution is None or institution.status != "active":
        raise InstitutionUnauthorized()
    return institution
