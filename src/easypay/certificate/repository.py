"""Reads of certificates, their events and CRLs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import dialect_name
from easypay.models import Certificate, CertificateEvent, CertificateRevocationList, User


async def mine(
    session: AsyncSession, user_id: int, certificate_id: int, *, for_update: bool = False
) -> Certificate | None:
    query = select(Certificate).where(
        Certificate.id == certificate_id, Certificate.user_id == user_id
    )
    if for_update and dialect_name(session) == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def reload_for_update(session: AsyncSession, certificate: Certificate) -> None:
    """Lock the row and read it again (PostgreSQL), so a counter read-modify-write cannot lose a
    concurrent update; SQLite write transactions are already serialised."""
    if dialect_name(session) == "postgresql":
        query = (
            select(Certificate)
            .where(Certificate.id == certificate.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        await session.execute(query)


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Serialise a user's issues (one current certificate each) on PostgreSQL; SQLite write
    transactions are already serialised (BEGIN IMMEDIATE)."""
    if dialect_name(session) == "postgresql":
        await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def all_of(session: AsyncSession, user_id: int) -> Sequence[Certificate]:
    query = (
        select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.id.desc())
    )
    return (await session.execute(query)).scalars().all()


async def current_of(session: AsyncSession, user_id: int) -> Certificate | None:
    """The user's active or suspended certificate (at most one)."""
    query = select(Certificate).where(
        Certificate.user_id == user_id, Certificate.status.in_(("active", "suspended"))
    )
    return (await session.execute(query)).scalars().first()


async def by_serial(session: AsyncSession, serial_hex: str) -> Certificate | None:
    query = select(Certificate).where(Certificate.serial_hex == serial_hex)
    return (await session.execute(query)).scalar_one_or_none()


async def events_of(
    session: AsyncSession, user_id: int, certificate_ids: Sequence[int]
) -> Sequence[CertificateEvent]:
    if not certificate_ids:
        return []
    query = (
        select(CertificateEvent)
        .where(
            CertificateEvent.user_id == user_id,
            CertificateEvent.certificate_id.in_(certificate_ids),
        )
        .order_by(CertificateEvent.id)
    )
    return (await session.execute(query)).scalars().all()


async def withdrawn(session: AsyncSession, generation: int) -> Sequence[Certificate]:
    """Every certificate of an issuing CA generation its CRL must list: suspended, revoked or
    deleted."""
    query = select(Certificate).where(
        Certificate.generation == generation,
        Certificate.status.in_(("suspended", "revoked", "deleted")),
    )
    return (await session.execute(query)).scalars().all()


async def highest_crl_number(session: AsyncSession) -> int:
    number = (
        await session.execute(select(func.max(CertificateRevocationList.number)))
    ).scalar_one_or_none()
    return int(number or 0)


async def latest_crl(
    session: AsyncSession, generation: int | None = None
) -> CertificateRevocationList | None:
    """The newest CRL of an issuing CA generation (of any, when None)."""
    query = select(CertificateRevocationList)
    if generation is not None:
        query = query.where(CertificateRevocationList.generation == generation)
    query = query.order_by(CertificateRevocationList.number.desc()).limit(1)
    return (await session.execute(query)).scalar_one_or_none()
