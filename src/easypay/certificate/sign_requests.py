"""Signature requests from institutions (specs/certificates.md, "Relying-party gateway").

An institution asks a user (named by phone, name and birth date: all three must match a user
with an active certificate, else one refusal that does not say which part was wrong) to sign a
text or a document hash, with a title and an expiry of at most `MAX_EXPIRY_SECONDS`. The user
reads it in the wallet and inbox and approves with the certificate PIN, or rejects. The
institution polls the state and collects the result once, within `COLLECT_WINDOW` of signing.
The same flow serves identity checks and sign-in (`purpose`).

What is signed: for a text, its UTF-8 bytes; for a document hash, the 32 raw bytes of the
SHA-256 (the hex decoded), so the relying party verifies the detached CMS with those 32 bytes as
content. The JWS carries the same bytes as its payload.

States: pending → signed | rejected | expired; signed → collected. Expiry is lazy: a pending
request read or acted on at or after `expires_at` becomes `expired` then.

Approval writes, in one transaction: the request's CMS, JWS and signer, a `CertificateEvent`
of kind "sign" and its transparency-log leaf (appended last). A wrong certificate PIN is counted
(`service.check_pin`) and the caller commits that count even though approval is refused.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import crl, repository, service
from easypay.certificate.authority import authorities_of
from easypay.certificate.errors import CertificateStateConflict
from easypay.certificate.pki.authority import Authority
from easypay.certificate.pki.signatures import sign_cms_detached, sign_jws
from easypay.certificate.pki.status import CertificateStatus, ocsp_response
from easypay.certificate.tlog import store
from easypay.certificate.tlog.key import load_log_key, log_origin
from easypay.config import Settings
from easypay.db import dialect_name
from easypay.errors import Conflict, EasyPayError, InvalidInput, NotFound
from easypay.kit.clock import as_utc, clock
from easypay.kit.phone import InvalidPhoneNumber, normalize_phone
from easypay.models import Certificate, Institution, SignRequest, User
from easypay.notification.service import mark_read_about, notify

MAX_EXPIRY_SECONDS = 1000
MAX_TEXT_CHARS = 10_000
COLLECT_WINDOW = timedelta(minutes=10)
PURPOSES = ("sign", "identity", "signin")
NOTIFICATION_KIND = "certificate.sign_request"
_HASH = re.compile(r"[0-9a-f]{64}")


class SignerNotFound(NotFound):
    code = "SignerNotFound"
    message = "No user with an active certificate matches this phone, name and birth date."


class SignRequestNotFound(NotFound):
    code = "SignRequestNotFound"
    message = "No such signature request."


class SignRequestExpired(EasyPayError):
    status = 410
    code = "SignRequestExpired"
    message = "This signature request has expired."


class SignRequestNotPending(Conflict):
    code = "SignRequestNotPending"
    message = "This signature request was already answered."


class ResultNotReady(Conflict):
    code = "ResultNotReady"
    message = "There is no signature to collect: the request is not signed."


class ResultGone(EasyPayError):
    status = 410
    code = "ResultGone"
    message = "The result was already collected, or the 10 minutes to collect it have passed."


@dataclass(frozen=True)
class NewSignRequest:
    phone: str
    name: str
    birth_date: date
    title: str
    expires_in: int
    purpose: str = "sign"
    text: str | None = None
    document_hash: str | None = None


@dataclass(frozen=True)
class TlogResult:
    index: int
    tree_size: int
    proof: list[bytes]
    checkpoint: str


@dataclass(frozen=True)
class SignResult:
    request: SignRequest
    cms_der: bytes
    jws: str
    chain_pem: list[str]
    ocsp_der: bytes
    tlog: TlogResult


def _check(new: NewSignRequest) -> tuple[str, str | None, str | None]:
    """The cleaned title, text and lower-case hash, or InvalidInput."""
    title = " ".join(new.title.split())
    if not 1 <= len(title) <= 100:
        raise InvalidInput("A title is 1 to 100 characters.")
    if new.purpose not in PURPOSES:
        raise InvalidInput("The purpose is sign, identity or signin.")
    if not 1 <= new.expires_in <= MAX_EXPIRY_SECONDS:
        raise InvalidInput(f"The expiry is 1 to {MAX_EXPIRY_SECONDS:,} seconds.")
    if (new.text is None) == (new.document_hash is None):
        raise InvalidInput("Give either a text or a document hash, not both.")
    if new.text is not None and not 1 <= len(new.text) <= MAX_TEXT_CHARS:
        raise InvalidInput(f"The text is 1 to {MAX_TEXT_CHARS:,} characters.")
    digest = None
    if new.document_hash is not None:
        digest = new.document_hash.lower()
        if not _HASH.fullmatch(digest):
            raise InvalidInput("The document hash is a SHA-256 in hex (64 characters).")
    return title, new.text, digest


async def _signer(session: AsyncSession, new: NewSignRequest) -> User:
    try:
        phone = normalize_phone(new.phone)
    except InvalidPhoneNumber:
        raise SignerNotFound() from None
    query = select(User).where(User.phone == phone)
    user = (await session.execute(query)).scalar_one_or_none()
    if (
        user is None
        or user.status != "active"
        or " ".join(user.name.split()) != " ".join(new.name.split())
        or user.birth_date != new.birth_date
    ):
        raise SignerNotFound()
    certificate = await repository.current_of(session, user.id)
    if certificate is None or certificate.status != "active":
        raise SignerNotFound()
    return user


async def create(
    session: AsyncSession, institution: Institution, new: NewSignRequest
) -> SignRequest:
    title, text, digest = _check(new)
    user = await _signer(session, new)
    moment = clock.now()
    request = SignRequest(
        receipt_id="SR" + secrets.token_hex(16),
        institution_id=institution.id,
        user_id=user.id,
        purpose=new.purpose,
        title=title,
        text=text,
        document_hash=digest,
        status="pending",
        expires_at=moment + timedelta(seconds=new.expires_in),
        created_at=moment,
    )
    session.add(request)
    await session.flush()
    await notify(
        session,
        user.id,
        NOTIFICATION_KIND,
        {
            "institution": institution.name,
            "title": title,
            "purpose": new.purpose,
            "receipt_id": request.receipt_id,
            "expires_at": request.expires_at.isoformat(),
        },
        link=_page_of(request),
    )
    return request


def _page_of(request: SignRequest) -> str:
    return f"/certificates/requests/{request.receipt_id}"


def _expire_if_due(request: SignRequest) -> None:
    if request.status == "pending" and clock.now() >= as_utc(request.expires_at):
        request.status = "expired"


async def _find(
    session: AsyncSession,
    receipt_id: str,
    *,
    institution_id: int | None = None,
    user_id: int | None = None,
    for_update: bool = False,
) -> SignRequest:
    query = select(SignRequest).where(SignRequest.receipt_id == receipt_id)
    if institution_id is not None:
        query = query.where(SignRequest.institution_id == institution_id)
    if user_id is not None:
        query = query.where(SignRequest.user_id == user_id)
    if for_update and dialect_name(session) == "postgresql":
        query = query.with_for_update()
    request = (await session.execute(query)).scalar_one_or_none()
    if request is None:
        raise SignRequestNotFound()
    _expire_if_due(request)
    return request


async def of_institution(
    session: AsyncSession, institution: Institution, receipt_id: str
) -> SignRequest:
    """The institution's own request (another's is not found), expired if due."""
    return await _find(session, receipt_id, institution_id=institution.id)


async def of_user(session: AsyncSession, user_id: int, receipt_id: str) -> SignRequest:
    return await _find(session, receipt_id, user_id=user_id)


async def pending_of(session: AsyncSession, user_id: int) -> Sequence[SignRequest]:
    """The user's requests still waiting for an answer, newest first."""
    query = (
        select(SignRequest)
        .where(
            SignRequest.user_id == user_id,
            SignRequest.status == "pending",
            SignRequest.expires_at > clock.now(),
        )
        .order_by(SignRequest.id.desc())
    )
    return (await session.execute(query)).scalars().all()


async def institution_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(Institution.id, Institution.name).where(Institution.id.in_(set(ids)))
    return {row.id: row.name for row in (await session.execute(query)).all()}


def signed_bytes(request: SignRequest) -> bytes:
    """What the signature covers: the text's UTF-8 bytes, or the document hash's raw bytes."""
    if request.text is not None:
        return request.text.encode("utf-8")
    assert request.document_hash is not None
    return bytes.fromhex(request.document_hash)


async def _answerable(session: AsyncSession, user_id: int, receipt_id: str) -> SignRequest:
    request = await _find(session, receipt_id, user_id=user_id, for_update=True)
    if request.status == "expired":
        raise SignRequestExpired()
    if request.status != "pending":
        raise SignRequestNotPending()
    return request


async def approve(
    session: AsyncSession, settings: Settings, user_id: int, receipt_id: str, pin: str
) -> SignRequest:
    """Sign with the user's server-held key, opened by the certificate PIN. Raises
    SignRequestExpired after marking the request expired, and WrongPin / CertificateLocked
    after counting the failure: the caller commits before raising those."""
    request = await _answerable(session, user_id, receipt_id)
    current = (
        await session.execute(
            select(Certificate.id).where(
                Certificate.user_id == user_id, Certificate.status.in_(("active", "suspended"))
            )
        )
    ).scalar_one_or_none()
    if current is None:
        raise CertificateStateConflict("You have no active certificate to sign with.")
    # Locked (PostgreSQL) on its first load, so the PIN failure count is read fresh.
    certificate = await service.get_mine(session, user_id, current, for_update=True)
    key = await service.check_pin(session, settings, certificate, pin)
    chain = issuer_of(settings, certificate).chain()
    leaf = service.leaf_certificate(certificate)
    data = signed_bytes(request)
    moment = clock.now()
    request.cms_der = sign_cms_detached(data, leaf, key, chain)
    request.jws = sign_jws(data, key, leaf, chain)
    request.status = "signed"
    request.certificate_id = certificate.id
    request.signed_at = moment
    await session.flush()
    detail = {"receipt_id": request.receipt_id, "purpose": request.purpose}
    event = await service.record(session, settings, certificate, "sign", detail)
    request.tlog_index = event.tlog_index
    await mark_read_about(session, user_id, _page_of(request))
    await session.flush()
    return request


async def reject(session: AsyncSession, user_id: int, receipt_id: str) -> SignRequest:
    """Pending → rejected. Raises SignRequestExpired after marking it expired."""
    request = await _answerable(session, user_id, receipt_id)
    request.status = "rejected"
    await mark_read_about(session, user_id, _page_of(request))
    await session.flush()
    return request


def issuer_of(settings: Settings, certificate: Certificate) -> Authority:
    """The issuing CA generation that signed `certificate` (with the root)."""
    authority = authorities_of(settings).generation(certificate.generation)
    if authority is None:  # made by another process since this one loaded the authorities
        authority = authorities_of(settings, reload=True).generation(certificate.generation)
    assert authority is not None, "a certificate's issuing CA is always on disk"
    return authority


def _ocsp_for(authority: Authority, leaf: x509.Certificate, status: CertificateStatus) -> bytes:
    query = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(leaf, authority.issuing_certificate, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    return ocsp_response(authority, query, lambda _serial: status)


async def collect(
    session: AsyncSession, settings: Settings, institution: Institution, receipt_id: str
) -> SignResult:
    """The signature, once, within COLLECT_WINDOW of signing; the request becomes collected."""
    request = await _find(session, receipt_id, institution_id=institution.id, for_update=True)
    if request.status == "collected":
        raise ResultGone()
    if request.status != "signed":
        raise ResultNotReady(f"There is no signature to collect: the request is {request.status}.")
    assert request.signed_at is not None
    assert request.cms_der is not None
    assert request.jws is not None
    assert request.tlog_index is not None
    assert request.certificate_id is not None
    if clock.now() - as_utc(request.signed_at) > COLLECT_WINDOW:
        raise ResultGone()
    certificate = await service.get_mine(session, request.user_id, request.certificate_id)
    leaf = service.leaf_certificate(certificate)
    authority = issuer_of(settings, certificate)
    chain = [leaf, *authority.chain()]
    request.status = "collected"
    request.collected_at = clock.now()
    await session.flush()
    checkpoint = await store.checkpoint(session, load_log_key(settings), log_origin(settings))
    proof = await store.inclusion(session, request.tlog_index, checkpoint.size)
    return SignResult(
        request=request,
        cms_der=request.cms_der,
        jws=request.jws,
        chain_pem=[c.public_bytes(serialization.Encoding.PEM).decode() for c in chain],
        ocsp_der=_ocsp_for(authority, leaf, crl.status_of(certificate)),
        tlog=TlogResult(request.tlog_index, checkpoint.size, proof.proof, checkpoint.note),
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)
