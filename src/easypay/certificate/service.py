"""The certificate lifecycle: issue, renew, reissue, suspend, restore, delete, and the
certificate-PIN check (5 wrong in a row lock the certificate).

Rules (specs/certificates.md, product-rules "Certificates"), and the choices where they are
silent:
- One current (active or suspended) certificate per user; validity `VALIDITY` (3 years).
- Issue needs a verified identity: the user row (name, birth date, phone are verified at sign-up
  in this product) of an active account. The subject is a pseudonym (see `IdentitySubject`).
- Custody: `server` (EasyPay makes an EC P-256 key and seals it with the 6-digit certificate PIN
  and the server secret, Argon2 parameters `ARGON`) or `device` (the client sends a CSR whose
  signature proves possession of the key).
- Renew only while active (not suspended, not locked) and only in the last `RENEWAL_WINDOW`
  before expiry; the new expiry is the old expiry + `VALIDITY` (the issuing CA rolls over in
  time for that: certificate/authority.py; a CA cannot certify past itself, so it stays capped
  at the issuing CA's expiry should that ever come first). A
  server-held renewal needs the current certificate PIN (checked, counted) and seals the new key
  with it. The old certificate is revoked (`superseded`).
- Reissue (forgotten PIN: `superseded`; lost device: `keyCompromise`) from active or suspended,
  locked or not: the old one is revoked and a new one issued with the full validity from now.
- Suspend: active → suspended (CRL `certificateHold`, OCSP revoked). No payment PIN needed:
  suspending only protects the user. Restore (payment PIN = re-authentication): suspended →
  active, or a PIN-locked active certificate unlocked.
- Delete: final; status `deleted`, revoked `cessationOfOperation`, the sealed key destroyed.
- Every change writes a `CertificateEvent` and its transparency-log leaf (no personal data: the
  leaf holds the kind, the serial, the pseudonym and the time), appended last in the same
  transaction; every status change stores a new CRL in it too.
Refusals raise before anything is written, except `check_pin`, whose failure count must be
committed by the caller even though the action is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import anyio
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import crl, repository
from easypay.certificate.authority import authorities_of, urls
from easypay.certificate.errors import (
    CertificateAlreadyActive,
    CertificateLocked,
    CertificateNotFound,
    CertificateStateConflict,
    IdentityNotVerified,
    NoServerKey,
    RenewalTooEarly,
)
from easypay.certificate.pki.authority import IdentitySubject, new_serial_number, verify_csr
from easypay.certificate.pki.custody import (
    PRODUCTION,
    ArgonParameters,
    is_valid_pin,
    new_salt,
    open_private_key,
    seal_private_key,
)
from easypay.certificate.pki.errors import WrongPin
from easypay.certificate.tlog import store
from easypay.config import Settings
from easypay.errors import InvalidInput
from easypay.kit.clock import as_utc, clock
from easypay.models import Certificate, CertificateEvent, User

VALIDITY = timedelta(days=365 * 3)
RENEWAL_WINDOW = timedelta(days=90)
MAX_PIN_FAILURES = 5
ARGON: ArgonParameters = PRODUCTION  # tests swap in `custody.FAST_FOR_TESTS`

REISSUE_REASONS = {"forgotten_pin": "superseded", "lost_device": "keyCompromise"}


@dataclass(frozen=True)
class KeyRequest:
    """Where the new certificate's key comes from: a PIN (server custody) or a CSR (device)."""

    pin: str | None = None
    csr_pem: str | None = None

    def __post_init__(self) -> None:
        if (self.pin is None) == (self.csr_pem is None):
            raise InvalidInput("Give either a certificate PIN (server key) or a CSR (device key).")
        if self.pin is not None and not is_valid_pin(self.pin):
            raise InvalidInput("The certificate PIN is six digits.")


@dataclass
class _Changes:
    events: list[tuple[Certificate, str, dict[str, Any]]] = field(default_factory=list)
    status_changed: Certificate | None = None  # its issuing CA's CRL is made again


def pseudonym(settings: Settings, user_id: int) -> str:
    return IdentitySubject.pseudonymous(settings.server_secret, f"user:{user_id}").pseudonym


async def get_mine(
    session: AsyncSession, user_id: int, certificate_id: int, *, for_update: bool = False
) -> Certificate:
    certificate = await repository.mine(session, user_id, certificate_id, for_update=for_update)
    if certificate is None:
        raise CertificateNotFound()
    return certificate


def _check_identity(user: User) -> None:
    if user.status != "active" or not (user.name and user.phone and user.birth_date):
        raise IdentityNotVerified()


async def _new_certificate(
    settings: Settings,
    user: User,
    key: KeyRequest,
    validity_end: datetime | None,
    replaces: int | None,
) -> Certificate:
    """`validity_end` None: the full `VALIDITY` from this very moment (one reading of the clock,
    so a second boundary between two readings cannot shorten it)."""
    authorities = authorities_of(settings)  # rolled over first when due
    authority, generation = authorities.current, authorities.current_generation
    moment = clock.now().replace(microsecond=0)
    if validity_end is None:
        validity_end = moment + VALIDITY
    serial = new_serial_number()
    serial_hex = format(serial, "x")
    public_key: ec.EllipticCurvePublicKey
    sealed: bytes | None = None
    salt: bytes | None = None
    if key.csr_pem is not None:
        public_key = verify_csr(key.csr_pem)
        custody = "device"
    else:
        assert key.pin is not None
        private_key = ec.generate_private_key(ec.SECP256R1())
        public_key = private_key.public_key()
        salt = new_salt()
        sealing = partial(
            seal_private_key,
            private_key,
            key.pin,
            settings.server_secret,
            salt,
            context=serial_hex.encode(),
            parameters=ARGON,
        )
        sealed = await anyio.to_thread.run_sync(sealing)  # Argon2: off the event loop
        custody = "server"
    not_after = min(validity_end, authority.issuing_certificate.not_valid_after_utc)
    crl_url, ocsp_url, ca_url = urls(settings, generation)
    issued = authority.issue(
        public_key,
        IdentitySubject.pseudonymous(settings.server_secret, f"user:{user.id}"),
        serial,
        moment,
        not_after,
        crl_url,
        ocsp_url,
        ca_issuers_url=ca_url,
    )
    return Certificate(
        user_id=user.id,
        serial_hex=serial_hex,
        status="active",
        custody=custody,
        pem=issued.public_bytes(serialization.Encoding.PEM).decode(),
        not_before=issued.not_valid_before_utc,
        not_after=issued.not_valid_after_utc,
        sealed_key=sealed,
        key_salt=salt,
        pin_failures=0,
        revocation_reason="",
        replaces_id=replaces,
        generation=generation,
        created_at=moment,
        updated_at=moment,
    )


async def _finish(session: AsyncSession, settings: Settings, changes: _Changes) -> None:
    """CRL (if a status changed), then every event with its log leaf, the leaves appended last."""
    await session.flush()
    if changes.status_changed is not None:
        generation = changes.status_changed.generation
        await crl.regenerate(session, authorities_of(settings), generation)
    for certificate, kind, detail in changes.events:
        await record(session, settings, certificate, kind, detail)


async def record(
    session: AsyncSession,
    settings: Settings,
    certificate: Certificate,
    kind: str,
    detail: dict[str, Any],
) -> CertificateEvent:
    """One certificate event and its transparency-log leaf (kind, serial, pseudonym, time: no
    personal data). Call it last in the transaction: the leaf append takes the log's lock."""
    moment = clock.now()
    leaf = store.encode_leaf(
        kind, certificate.serial_hex, pseudonym(settings, certificate.user_id), moment
    )
    index = await store.append(session, leaf)
    event = CertificateEvent(
        certificate_id=certificate.id,
        user_id=certificate.user_id,
        kind=kind,
        tlog_index=index,
        detail=detail,
        created_at=moment,
    )
    session.add(event)
    await session.flush()
    return event


def _revoke(certificate: Certificate, reason: str) -> None:
    moment = clock.now().replace(microsecond=0)
    certificate.status = "revoked"
    certificate.revoked_at = moment
    certificate.revocation_reason = reason
    certificate.sealed_key = None
    certificate.updated_at = moment


async def issue(
    session: AsyncSession, settings: Settings, user: User, key: KeyRequest
) -> Certificate:
    _check_identity(user)
    await repository.lock_user(session, user.id)
    if await repository.current_of(session, user.id) is not None:
        raise CertificateAlreadyActive()
    certificate = await _new_certificate(settings, user, key, None, None)
    session.add(certificate)
    await session.flush()
    changes = _Changes([(certificate, "issued", {"custody": certificate.custody})])
    await _finish(session, settings, changes)
    return certificate


def check_renewable(user: User, certificate: Certificate, key: KeyRequest) -> None:
    """Every refusal of a renewal that needs no PIN: checked before the (slow, counted) PIN."""
    _check_identity(user)
    if certificate.status != "active" or certificate.locked_at is not None:
        raise CertificateStateConflict("Only an active, unlocked certificate can be renewed.")
    if clock.now() < as_utc(certificate.not_after) - RENEWAL_WINDOW:
        raise RenewalTooEarly()
    if (key.pin is not None) != (certificate.custody == "server"):
        raise InvalidInput("A renewal keeps the custody: a PIN for a server key, a CSR for device.")


async def renew(
    session: AsyncSession, settings: Settings, user: User, certificate: Certificate, key: KeyRequest
) -> Certificate:
    """`key.pin` must already have been checked with `check_pin` (server custody)."""
    check_renewable(user, certificate, key)
    old_expiry = as_utc(certificate.not_after)
    new = await _new_certificate(settings, user, key, old_expiry + VALIDITY, certificate.id)
    _revoke(certificate, "superseded")
    session.add(new)
    await session.flush()
    changes = _Changes(
        [
            (certificate, "superseded", {"reason": "superseded", "by": new.serial_hex}),
            (new, "renewed", {"replaces": certificate.serial_hex}),
        ],
        status_changed=certificate,
    )
    await _finish(session, settings, changes)
    return new


async def reissue(
    session: AsyncSession,
    settings: Settings,
    user: User,
    certificate: Certificate,
    key: KeyRequest,
    reason: str,
) -> Certificate:
    _check_identity(user)
    if reason not in REISSUE_REASONS:
        raise InvalidInput("The reason is forgotten_pin or lost_device.")
    if certificate.status not in ("active", "suspended"):
        raise CertificateStateConflict("Only a current certificate can be reissued.")
    new = await _new_certificate(settings, user, key, None, certificate.id)
    crl_reason = REISSUE_REASONS[reason]
    _revoke(certificate, crl_reason)
    session.add(new)
    await session.flush()
    changes = _Changes(
        [
            (certificate, "revoked", {"reason": crl_reason, "by": new.serial_hex}),
            (new, "reissued", {"replaces": certificate.serial_hex, "why": reason}),
        ],
        status_changed=certificate,
    )
    await _finish(session, settings, changes)
    return new


async def suspend(session: AsyncSession, settings: Settings, certificate: Certificate) -> None:
    if certificate.status != "active":
        raise CertificateStateConflict("Only an active certificate can be suspended.")
    moment = clock.now().replace(microsecond=0)
    certificate.status = "suspended"
    certificate.suspended_at = moment
    certificate.updated_at = moment
    await _finish(
        session, settings, _Changes([(certificate, "suspended", {})], status_changed=certificate)
    )


async def restore(session: AsyncSession, settings: Settings, certificate: Certificate) -> None:
    """Suspended → active, or a PIN-locked certificate unlocked (the caller re-authenticated)."""
    if certificate.status == "suspended":
        status_changed: Certificate | None = certificate
    elif certificate.status == "active" and certificate.locked_at is not None:
        status_changed = None
    else:
        raise CertificateStateConflict("Only a suspended or locked certificate can be restored.")
    certificate.status = "active"
    certificate.suspended_at = None
    certificate.locked_at = None
    certificate.pin_failures = 0
    certificate.updated_at = clock.now()
    await _finish(
        session,
        settings,
        _Changes([(certificate, "restored", {})], status_changed=status_changed),
    )


async def delete(session: AsyncSession, settings: Settings, certificate: Certificate) -> None:
    if certificate.status not in ("active", "suspended"):
        raise CertificateStateConflict("This certificate is already revoked or deleted.")
    _revoke(certificate, "cessationOfOperation")
    certificate.status = "deleted"
    certificate.key_salt = None
    await _finish(
        session,
        settings,
        _Changes(
            [(certificate, "deleted", {"reason": "cessationOfOperation"})],
            status_changed=certificate,
        ),
    )


async def check_pin(
    session: AsyncSession,
    settings: Settings,
    certificate: Certificate,
    pin: str,
    *,
    suspended_too: bool = False,
) -> ec.EllipticCurvePrivateKey:
    """The server-held private key, opened with the certificate PIN. A wrong PIN is counted on
    the row (the caller commits it even though it raises); the fifth in a row locks the
    certificate (`locked_at`, a `locked` event) until reissue or restore. `suspended_too`: a
    suspended certificate's PIN is checked (and counted) too — sign-in, which refuses it only
    after the PIN, so the answer reveals nothing to someone without it."""
    await repository.reload_for_update(session, certificate)
    allowed = ("active", "suspended") if suspended_too else ("active",)
    if certificate.status not in allowed:
        raise CertificateStateConflict("This certificate is not active.")
    if certificate.locked_at is not None:
        raise CertificateLocked()
    if certificate.sealed_key is None or certificate.key_salt is None:
        raise NoServerKey()
    if not is_valid_pin(pin):
        raise InvalidInput("The certificate PIN is six digits.")
    try:
        opening = partial(
            open_private_key,
            certificate.sealed_key,
            pin,
            settings.server_secret,
            certificate.key_salt,
            context=certificate.serial_hex.encode(),
        )
        key = await anyio.to_thread.run_sync(opening)  # Argon2: off the event loop
    except WrongPin:
        certificate.pin_failures += 1
        certificate.updated_at = clock.now()
        if certificate.pin_failures >= MAX_PIN_FAILURES:
            certificate.locked_at = clock.now()
            await _finish(session, settings, _Changes([(certificate, "locked", {})]))
            raise CertificateLocked() from None
        left = MAX_PIN_FAILURES - certificate.pin_failures
        raise WrongPin(f"The certificate PIN is wrong. {left} tries left.") from None
    if certificate.pin_failures:
        certificate.pin_failures = 0
        certificate.updated_at = clock.now()
    return key


def leaf_certificate(certificate: Certificate) -> x509.Certificate:
    return x509.load_pem_x509_certificate(certificate.pem.encode())
