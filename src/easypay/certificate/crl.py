"""Each issuing CA generation's full CRL, regenerated and stored (number + 1) in the same
transaction as every status change of one of its certificates, and the status the OCSP
responder gives.

Listed: every suspended (`certificateHold`, at `suspended_at`), revoked (its own reason:
`superseded` or `keyCompromise`) and deleted (`cessationOfOperation`) certificate that has not
expired yet (RFC 5280 lets a CRL drop entries once the certificate has expired).

Numbers only grow: on PostgreSQL a transaction-scoped advisory lock is taken first, so two
status changes at the same time queue and each takes the next number after seeing the other's
change (SQLite write transactions are serialised already). Taken before the log append, always
in that order, so the two locks cannot deadlock.
"""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import repository
from easypay.certificate.authority import Authorities
from easypay.certificate.pki.status import CertificateStatus, RevokedEntry, build_crl
from easypay.db import dialect_name
from easypay.kit.clock import as_utc, clock
from easypay.models import Certificate, CertificateRevocationList

CRL_VALIDITY = timedelta(days=7)
# A CRL older than this is replaced when asked for, so a relying party never meets one past its
# nextUpdate even when no status changed for a week.
CRL_REFRESH = timedelta(days=1)
_CRL_LOCK = 0x43524C  # "CRL": a transaction-scoped advisory lock on PostgreSQL

_REASONS = {
    "superseded": x509.ReasonFlags.superseded,
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
    "certificateHold": x509.ReasonFlags.certificate_hold,
}


def status_of(certificate: Certificate | None) -> CertificateStatus:
    """What a relying party is told about this certificate right now."""
    if certificate is None:
        return CertificateStatus.unknown()
    if certificate.status == "suspended" and certificate.suspended_at is not None:
        return CertificateStatus.revoked(
            as_utc(certificate.suspended_at), x509.ReasonFlags.certificate_hold
        )
    if certificate.status in ("revoked", "deleted") and certificate.revoked_at is not None:
        reason = _REASONS.get(certificate.revocation_reason, x509.ReasonFlags.superseded)
        return CertificateStatus.revoked(as_utc(certificate.revoked_at), reason)
    return CertificateStatus.good()


async def _lock(session: AsyncSession) -> None:
    if dialect_name(session) == "postgresql":  # re-entrant within the transaction
        await session.execute(select(func.pg_advisory_xact_lock(_CRL_LOCK)))


def _fresh(crl: CertificateRevocationList | None) -> bool:
    return crl is not None and clock.now() - as_utc(crl.created_at) < CRL_REFRESH


async def current(
    session: AsyncSession, authorities: Authorities, generation: int
) -> CertificateRevocationList:
    """The newest CRL of `generation`; a new one first if there is none yet or the newest is
    `CRL_REFRESH` old (checked again under the lock, so concurrent readers make one)."""
    latest = await repository.latest_crl(session, generation)
    if not _fresh(latest):
        await _lock(session)
        latest = await repository.latest_crl(session, generation)
        if not _fresh(latest):
            await regenerate(session, authorities, generation)
            latest = await repository.latest_crl(session, generation)
    assert latest is not None
    return latest


async def regenerate(session: AsyncSession, authorities: Authorities, generation: int) -> int:
    """Store a new full CRL of the issuing CA `generation`; returns its number. Flushes pending
    changes first."""
    authority = authorities.generation(generation)
    if authority is None:
        raise ValueError(f"there is no issuing CA generation {generation}")
    await session.flush()
    await _lock(session)
    number = await repository.highest_crl_number(session) + 1
    moment = clock.now().replace(microsecond=0)
    entries: list[RevokedEntry] = []
    for certificate in await repository.withdrawn(session, generation):
        if as_utc(certificate.not_after) <= moment:
            continue
        status = status_of(certificate)
        if status.state == "revoked" and status.revoked_at and status.reason:
            entries.append(
                RevokedEntry(int(certificate.serial_hex, 16), status.revoked_at, status.reason)
            )
    crl = build_crl(authority, entries, number, moment, moment + CRL_VALIDITY)
    session.add(
        CertificateRevocationList(
            number=number,
            generation=generation,
            der=crl.public_bytes(serialization.Encoding.DER),
            created_at=moment,
        )
    )
    await session.flush()
    return number
