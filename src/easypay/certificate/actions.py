"""What a signed-in user asks of their certificate, for the API and the pages alike.

Each action authorises the same way: another user's certificate is "not found" before anything
else; then the payment PIN (re-authentication; `identity.check_pin` commits a wrong one in its
own transaction), except for suspend, which only protects the user; then the change in one
transaction. A wrong or locked certificate PIN, and a signature request found expired, are
refusals whose side effects (the failure count, the lock, the `expired` state) are committed
before the refusal is raised. None of these use a caller's session: on SQLite it would hold the
write lock these transactions need.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import errors as cert_errors
from easypay.certificate import service, sign_requests
from easypay.certificate.pki import errors as pki_errors
from easypay.config import Settings
from easypay.db import Database
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.models import Certificate, SignRequest, User

T = TypeVar("T")

# Refusals whose side effects are kept: the transaction commits, then they are raised.
COMMITTED_REFUSALS = (
    pki_errors.WrongPin,
    cert_errors.CertificateLocked,
    sign_requests.SignRequestExpired,
)


async def committing_refusals(
    database: Database, change: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run `change` in one transaction; a `COMMITTED_REFUSALS` refusal is raised after commit."""
    refusal: EasyPayError
    async with database.transaction() as session:
        try:
            return await change(session)
        except COMMITTED_REFUSALS as error:
            refusal = error
    raise refusal


async def authorise(
    database: Database, settings: Settings, user: User, certificate_id: int | None, pin: str
) -> None:
    """Another user's certificate is not found before anything else; then the payment PIN."""
    if certificate_id is not None:
        async with database.transaction() as session:
            await service.get_mine(session, user.id, certificate_id)
    await identity.check_pin(database, settings, user.id, pin)


async def issue(
    database: Database, settings: Settings, user: User, key: service.KeyRequest, payment_pin: str
) -> Certificate:
    await authorise(database, settings, user, None, payment_pin)
    async with database.transaction() as session:
        return await service.issue(session, settings, user, key)


async def renew(
    database: Database,
    settings: Settings,
    user: User,
    certificate_id: int,
    key: service.KeyRequest,
    payment_pin: str,
) -> Certificate:
    """The rules first (no PIN is tried for a renewal that cannot happen), then a server-held
    key's certificate PIN (counted), then the renewal."""
    await authorise(database, settings, user, certificate_id, payment_pin)

    async def change(session: AsyncSession) -> Certificate:
        certificate = await service.get_mine(session, user.id, certificate_id, for_update=True)
        service.check_renewable(user, certificate, key)
        if key.pin is not None:
            await service.check_pin(session, settings, certificate, key.pin)
        return await service.renew(session, settings, user, certificate, key)

    return await committing_refusals(database, change)


async def reissue(
    database: Database,
    settings: Settings,
    user: User,
    certificate_id: int,
    key: service.KeyRequest,
    reason: str,
    payment_pin: str,
) -> Certificate:
    await authorise(database, settings, user, certificate_id, payment_pin)
    async with database.transaction() as session:
        certificate = await service.get_mine(session, user.id, certificate_id, for_update=True)
        return await service.reissue(session, settings, user, certificate, key, reason)


async def suspend(
    database: Database, settings: Settings, user: User, certificate_id: int
) -> Certificate:
    async with database.transaction() as session:
        certificate = await service.get_mine(session, user.id, certificate_id, for_update=True)
        await service.suspend(session, settings, certificate)
        return certificate


async def restore(
    database: Database, settings: Settings, user: User, certificate_id: int, payment_pin: str
) -> Certificate:
    """A suspended certificate back to active, or a PIN-locked one unlocked."""
    await authorise(database, settings, user, certificate_id, payment_pin)
    async with database.transaction() as session:
        certificate = await service.get_mine(session, user.id, certificate_id, for_update=True)
        await service.restore(session, settings, certificate)
        return certificate


async def delete(
    database: Database, settings: Settings, user: User, certificate_id: int, payment_pin: str
) -> Certificate:
    await authorise(database, settings, user, certificate_id, payment_pin)
    async with database.transaction() as session:
        certificate = await service.get_mine(session, user.id, certificate_id, for_update=True)
        await service.delete(session, settings, certificate)
        return certificate


async def verify_pin(
    database: Database, settings: Settings, user: User, certificate_id: int, pin: str
) -> None:
    async def change(session: AsyncSession) -> None:
        certificate = await service.get_mine(session, user.id, certificate_id, for_update=True)
        await service.check_pin(session, settings, certificate, pin)

    await committing_refusals(database, change)


async def approve_request(
    database: Database, settings: Settings, user: User, receipt_id: str, pin: str
) -> SignRequest:
    """Sign an institution's request with the certificate PIN."""

    async def change(session: AsyncSession) -> SignRequest:
        return await sign_requests.approve(session, settings, user.id, receipt_id, pin)

    return await committing_refusals(database, change)


async def reject_request(database: Database, user: User, receipt_id: str) -> SignRequest:
    async def change(session: AsyncSession) -> SignRequest:
        return await sign_requests.reject(session, user.id, receipt_id)

    return await committing_refusals(database, change)
