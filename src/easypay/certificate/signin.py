"""Sign-in with a certificate: challenge → signature → session.

1. `create_challenge(phone)` → a challenge id, 32 random bytes (`challenge`, base64url) and
   its expiry (`CHALLENGE_TTL`, 2 minutes). Rate-limited per phone and per IP (the sign-in
   limits of the settings, on keys of their own). Only the SHA-256 of the message to be signed
   and a keyed hash of the phone are stored, never the challenge itself.
2. `open_session(challenge_id, pin=… | signature=…)`:
   - device-held key: `signature` is the base64 (standard or url-safe) DER ECDSA-SHA256
     signature, made with the certificate's private key, over the message
     `SIGNED_PREFIX + challenge`, i.e. the ASCII bytes `easypay-signin-v1:` followed by the 32
     raw challenge bytes (base64url-decoded). The prefix keeps a sign-in signature from being
     anything else (a document, a CSR) and vice versa.
   - server-held key: `pin`; EasyPay opens the key with the certificate PIN and signs the same
     message itself, and that signature is verified exactly as a device's is.
   Then, in one transaction: a new session (identity.open_session, kind "api" or "web" as for
   the password), a certificate event "signin" and its transparency-log leaf (appended last).

Single use: any attempt that gets past input validation consumes the challenge first, in its own
committed transaction, with a conditional update (`used_at IS NULL AND expires_at > now`), so
two concurrent submissions of one challenge give one session, and every attempt (a PIN guess
included) costs a fresh, rate-limited challenge.

Phone enumeration: a challenge is answered the same way whether or not the phone has a usable
certificate; without one it is a decoy (`certificate_id` None). After that:
- signature: the signature is checked first, so without the key every answer is
  `CertificateSignatureInvalid`, whatever the phone; the certificate's state (suspended,
  locked, expired, replaced) and the account's are told only to whoever proved the key.
- PIN: a wrong PIN must say how many tries are left, so a decoy (no certificate, a device-held
  one, or one replaced meanwhile) answers as a certificate whose PIN is wrong: the same error
  and sentence ("The phone number or certificate PIN is wrong. N tries left."), the same Argon2
  work, its own failure count kept on the phone's decoy challenges (outcome "decoy_pin"), locked
  (`CertificateLocked`) after 5, as a real one is. A suspended certificate's PIN is checked (and
  counted) like an active one's before the suspension is told.
A real certificate's wrong PIN is counted on the certificate (`service.check_pin`; the fifth
locks it) and committed though the sign-in is refused; every other refusal changes nothing but
the consumed challenge. Anyone who knows a phone number can lock its certificate with five wrong
PINs (the rate limits slow that down; the owner restores it with the payment PIN).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import anyio
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import repository, service
from easypay.certificate.errors import CertificateLocked
from easypay.certificate.pki.custody import (
    ArgonParameters,
    is_valid_pin,
    new_salt,
    open_private_key,
    seal_private_key,
)
from easypay.certificate.pki.errors import WrongPin
from easypay.config import Settings
from easypay.db import Database, dialect_name
from easypay.errors import Conflict, EasyPayError, Forbidden, InvalidInput, NotFound, RateLimited
from easypay.identity import repository as identity_repository
from easypay.identity import service as identity
from easypay.identity.errors import AccountSuspended
from easypay.kit import ratelimit
from easypay.kit.clock import as_utc, clock
from easypay.kit.crypto import keyed_hash
from easypay.models import Certificate, User
from easypay.models.base import table_of
from easypay.models.certificate import CertificateChallenge

SIGNED_PREFIX = b"easypay-signin-v1:"
CHALLENGE_BYTES = 32
CHALLENGE_TTL = timedelta(minutes=2)
MAX_SIGNATURE_BYTES = 200  # a DER ECDSA P-256 signature is at most 72 bytes
_ECDSA_OVER_DIGEST = ec.ECDSA(Prehashed(hashes.SHA256()))
_CHALLENGES = table_of(CertificateChallenge)


class ChallengeNotFound(NotFound):
    code = "SigninChallengeNotFound"
    message = "No such sign-in challenge. Ask for a new one."


class ChallengeUsed(Conflict):
    code = "SigninChallengeUsed"
    message = "This sign-in challenge was already used. Ask for a new one."


class ChallengeExpired(EasyPayError):
    status = 410
    code = "SigninChallengeExpired"
    message = "This sign-in challenge has expired. Ask for a new one."


class SignatureInvalid(EasyPayError):
    status = 401
    code = "CertificateSignatureInvalid"
    message = "The signature does not verify with this phone's certificate."


class CertificateSuspended(Forbidden):
    code = "CertificateSuspended"
    message = "This certificate is suspended: restore it before signing in with it."


class CertificateExpired(Forbidden):
    code = "CertificateExpired"
    message = "This certificate has expired: issue a new one."


class CertificateNotCurrent(Conflict):
    code = "CertificateNotCurrent"
    message = "This certificate was replaced or deleted: sign in with the current one."


# Every refusal of `open_session`, for the endpoints' OpenAPI.
SESSION_ERRORS: tuple[type[EasyPayError], ...] = (
    InvalidInput,
    ChallengeNotFound,
    ChallengeUsed,
    ChallengeExpired,
    SignatureInvalid,
    WrongPin,
    CertificateLocked,
    CertificateSuspended,
    CertificateExpired,
    CertificateNotCurrent,
    AccountSuspended,
)


@dataclass(frozen=True)
class IssuedChallenge:
    challenge_id: str
    challenge: bytes
    expires_at: datetime

    @property
    def challenge_b64(self) -> str:
        return base64.urlsafe_b64encode(self.challenge).rstrip(b"=").decode()


def signed_message(challenge: bytes) -> bytes:
    """What a device signs (ECDSA with SHA-256) to answer `challenge`."""
    return SIGNED_PREFIX + challenge


def _digest(challenge: bytes) -> bytes:
    return hashlib.sha256(signed_message(challenge)).digest()


def _phone_reference(settings: Settings, e164: str) -> str:
    return keyed_hash(settings.server_secret, "certificate-signin-phone", e164)


def decode_signature(text: str) -> bytes:
    """The DER bytes of a base64 (standard or url-safe, padding optional) signature."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        der = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput("The signature is base64 of a DER ECDSA signature.") from error
    if not 0 < len(der) <= MAX_SIGNATURE_BYTES:
        raise InvalidInput("The signature is base64 of a DER ECDSA signature.")
    return der


# --- 1. the challenge ---------------------------------------------------------------------------


async def create_challenge(
    database: Database, settings: Settings, phone: str, ip_address: str = ""
) -> IssuedChallenge:
    e164 = identity.parse_phone(phone)
    window = settings.rate_window_seconds
    phone_key, ip_key = f"cert-signin-phone:{e164}", f"cert-signin-ip:{ip_address}"
    if (
        await ratelimit.attempts(database, phone_key, window) >= settings.signin_limit_per_phone
        or await ratelimit.attempts(database, ip_key, window) >= settings.signin_limit_per_ip
    ):
        raise RateLimited("Too many sign-in attempts. Wait a few minutes and try again.")
    await ratelimit.hit(database, phone_key, settings.signin_limit_per_phone, window)
    await ratelimit.hit(database, ip_key, settings.signin_limit_per_ip, window)
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    now = clock.now()
    async with database.transaction() as session:
        user = await identity_repository.user_by_phone(session, e164)
        current = None
        if user is not None:
            current = await repository.current_of(session, user.id)
        issued = IssuedChallenge(secrets.token_urlsafe(18), challenge, now + CHALLENGE_TTL)
        session.add(
            CertificateChallenge(
                public_id=issued.challenge_id,
                phone_ref=_phone_reference(settings, e164),
                certificate_id=current.id if current is not None else None,
                message_digest=_digest(challenge),
                outcome="",
                expires_at=issued.expires_at,
                created_at=now,
            )
        )
    return issued


# --- 2. the answer and the session --------------------------------------------------------------


async def _consume(database: Database, challenge_id: str) -> CertificateChallenge:
    """The challenge, used up in its own committed transaction (single use, also on refusal).
    The conditional update claims it atomically; only when it claims nothing is the row read to
    say why."""
    now = clock.now()
    async with database.transaction() as session:
        claimed = await session.execute(
            update(_CHALLENGES)
            .where(
                _CHALLENGES.c.public_id == challenge_id,
                _CHALLENGES.c.used_at.is_(None),
                _CHALLENGES.c.expires_at > now,
            )
            .values(used_at=now, outcome="used")
        )
        query = select(CertificateChallenge).where(CertificateChallenge.public_id == challenge_id)
        challenge = (await session.execute(query)).scalar_one_or_none()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            assert challenge is not None
            return challenge
        if challenge is None:
            raise ChallengeNotFound()
        if challenge.used_at is not None:
            raise ChallengeUsed()
        raise ChallengeExpired()


async def _set_outcome(
    session: AsyncSession, challenge: CertificateChallenge, outcome: str
) -> None:
    await session.execute(
        update(_CHALLENGES).where(_CHALLENGES.c.id == challenge.id).values(outcome=outcome)
    )


async def _certificate(session: AsyncSession, certificate_id: int | None) -> Certificate | None:
    if certificate_id is None:
        return None
    query = select(Certificate).where(Certificate.id == certificate_id)
    if dialect_name(session) == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def _wrong_pin(left: int) -> WrongPin:
    return WrongPin(f"The phone number or certificate PIN is wrong. {left} tries left.")


@cache
def _decoy_key(parameters: ArgonParameters, server_secret: bytes) -> tuple[bytes, bytes]:
    """A sealed key no PIN is expected to open, so a decoy costs the same Argon2 work."""
    salt = new_salt()
    pin = f"{secrets.randbelow(10**6):06d}"
    key = ec.generate_private_key(ec.SECP256R1())
    sealed = seal_private_key(key, pin, server_secret, salt, parameters=parameters)
    return sealed, salt


async def _decoy_pin(
    session: AsyncSession, settings: Settings, challenge: CertificateChallenge, pin: str
) -> None:
    """Answer a PIN for a phone without a usable server-held key as a wrong one (always raises)."""
    query = select(func.count(CertificateChallenge.id)).where(
        CertificateChallenge.phone_ref == challenge.phone_ref,
        CertificateChallenge.outcome == "decoy_pin",
    )
    failures = int((await session.execute(query)).scalar_one())
    if failures >= service.MAX_PIN_FAILURES:
        raise CertificateLocked()
    sealed, salt = _decoy_key(service.ARGON, settings.server_secret)
    with contextlib.suppress(WrongPin):
        await anyio.to_thread.run_sync(
            lambda: open_private_key(sealed, pin, settings.server_secret, salt)
        )
    await _set_outcome(session, challenge, "decoy_pin")
    if failures + 1 >= service.MAX_PIN_FAILURES:
        raise CertificateLocked()
    raise _wrong_pin(service.MAX_PIN_FAILURES - failures - 1)


async def _sign_with_pin(
    session: AsyncSession,
    settings: Settings,
    challenge: CertificateChallenge,
    certificate: Certificate | None,
    pin: str,
) -> tuple[Certificate, bytes]:
    """EasyPay's signature over the challenge with the server-held key the PIN opens."""
    if (
        certificate is None
        or certificate.custody != "server"
        or certificate.status not in ("active", "suspended")
        or certificate.sealed_key is None
        or certificate.key_salt is None
    ):
        await _decoy_pin(session, settings, challenge, pin)
        raise AssertionError("unreachable")  # pragma: no cover
    try:
        try:
            key = await service.check_pin(session, settings, certificate, pin, suspended_too=True)
        except WrongPin:
            raise _wrong_pin(service.MAX_PIN_FAILURES - certificate.pin_failures) from None
    except (WrongPin, CertificateLocked):
        await _set_outcome(session, challenge, "wrong_pin")
        raise
    return certificate, key.sign(challenge.message_digest, _ECDSA_OVER_DIGEST)


def _verify(certificate: Certificate | None, digest: bytes, signature: bytes) -> Certificate:
    if certificate is None:
        raise SignatureInvalid()
    public_key = service.leaf_certificate(certificate).public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignatureInvalid()
    try:
        public_key.verify(signature, digest, _ECDSA_OVER_DIGEST)
    except InvalidSignature:
        raise SignatureInvalid() from None
    return certificate


def _check_usable(certificate: Certificate, user: User | None) -> User:
    """Told only to whoever proved the key."""
    if certificate.status == "suspended":
        raise CertificateSuspended()
    if certificate.status != "active":
        raise CertificateNotCurrent()
    if certificate.locked_at is not None:
        raise CertificateLocked()
    if clock.now() >= as_utc(certificate.not_after):
        raise CertificateExpired()
    if user is None or user.status != "active":
        raise AccountSuspended()
    return user


async def open_session(
    database: Database,
    settings: Settings,
    challenge_id: str,
    *,
    pin: str | None = None,
    signature: str | None = None,
    kind: str = "api",
    user_agent: str = "",
    ip_address: str = "",
) -> tuple[identity.Principal, str]:
    """Answer a challenge with the certificate PIN (server-held key) or a signature (device-held
    key) and get a session. Raises the refusals of `SESSION_ERRORS`; a wrong PIN is committed
    (counted) before it is raised."""
    if (pin is None) == (signature is None):
        raise InvalidInput("Give either the certificate PIN (server key) or a signature (device).")
    if pin is not None and not is_valid_pin(pin):
        raise InvalidInput("The certificate PIN is six digits.")
    signature_der = decode_signature(signature) if signature is not None else None
    if not 0 < len(challenge_id) <= 32:
        raise ChallengeNotFound()
    challenge = await _consume(database, challenge_id)
    refusal: EasyPayError | None = None
    async with database.transaction() as session:
        certificate = await _certificate(session, challenge.certificate_id)
        try:
            if pin is not None:
                certificate, signature_der = await _sign_with_pin(
                    session, settings, challenge, certificate, pin
                )
        except (WrongPin, CertificateLocked) as error:  # counted: committed, then raised
            refusal = error
        else:
            assert signature_der is not None
            certificate = _verify(certificate, challenge.message_digest, signature_der)
            user = _check_usable(
                certificate, await identity_repository.user_by_id(session, certificate.user_id)
            )
            principal, token = await identity.open_session(
                session, settings, user, kind, user_agent, ip_address, method="certificate"
            )
            await _set_outcome(session, challenge, "signed_in")
            await session.flush()
            await service.record(
                session,
                settings,
                certificate,
                "signin",
                {"custody": certificate.custody, "channel": kind},
            )
            return principal, token
    assert refusal is not None
    raise refusal
