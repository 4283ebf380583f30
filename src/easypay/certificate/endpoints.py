"""Certificate API. `router`: the signed-in user's certificates (`/api/v1/certificates`);
`pki_router`: the public PKI endpoints (`/pki/ca.pem`, `/pki/crl`, `/pki/ocsp`), no auth.

Actions that change a certificate need the payment PIN (re-authentication), except suspend
(it only protects the user). A certificate PIN that is wrong is counted and committed even
though the call is refused."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import actions, crl, repository, service
from easypay.certificate import errors as cert_errors
from easypay.certificate.authority import authorities_of
from easypay.certificate.errors import IssuingCaNotFound
from easypay.certificate.pki import errors as pki_errors
from easypay.certificate.pki.authority import Authority
from easypay.certificate.pki.status import (
    OcspQuery,
    OcspRequestUnreadable,
    is_about,
    ocsp_response,
    parse_ocsp_request,
)
from easypay.certificate.schemas import (
    CertificateList,
    CertificateRead,
    EventRead,
    KeyBody,
    PaymentPinBody,
    PinBody,
    ReissueBody,
)
from easypay.config import AppSettings, Settings
from easypay.db import DbSession, database_of
from easypay.errors import InvalidInput, error_responses
from easypay.identity import errors as identity_errors
from easypay.identity.dependencies import CurrentUser
from easypay.kit.ids import PathId
from easypay.models import Certificate, CertificateEvent

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"])
pki_router = APIRouter(prefix="/pki", tags=["pki"])

_MAX_OCSP_BODY = 4096
PAYMENT_PIN_ERRORS = (
    identity_errors.NotSignedIn,
    identity_errors.WrongPin,
    identity_errors.PinLocked,
    identity_errors.PinNotSet,
    InvalidInput,
)
ACTION_ERRORS = (
    *PAYMENT_PIN_ERRORS,
    cert_errors.CertificateNotFound,
    cert_errors.CertificateStateConflict,
)
KEY_ERRORS = (
    pki_errors.CertificateRequestRefused,
    pki_errors.WrongPin,
    cert_errors.CertificateLocked,
    cert_errors.IdentityNotVerified,
)


def _read(
    certificate: Certificate, events: list[CertificateEvent] | None = None
) -> CertificateRead:
    return CertificateRead(
        id=certificate.id,
        serial_hex=certificate.serial_hex,
        status=certificate.status,
        custody=certificate.custody,
        pem=certificate.pem,
        not_before=certificate.not_before,
        not_after=certificate.not_after,
        locked=certificate.locked_at is not None,
        revocation_reason=certificate.revocation_reason,
        replaces_id=certificate.replaces_id,
        events=[
            EventRead(
                kind=e.kind, tlog_index=e.tlog_index, detail=e.detail, created_at=e.created_at
            )
            for e in events or []
        ],
    )


def _key(body: KeyBody) -> service.KeyRequest:
    return service.KeyRequest(pin=body.pin, csr_pem=body.csr_pem)


@router.get("", responses=error_responses(identity_errors.NotSignedIn))
async def list_mine(user: CurrentUser, db: DbSession) -> CertificateList:
    """My certificates, newest first, each with its history (each event's log index)."""
    certificates = await repository.all_of(db, user.id)
    events = await repository.events_of(db, user.id, [c.id for c in certificates])
    by_certificate: dict[int, list[CertificateEvent]] = {}
    for event in events:
        by_certificate.setdefault(event.certificate_id, []).append(event)
    return CertificateList(items=[_read(c, by_certificate.get(c.id)) for c in certificates])


@router.post(
    "",
    status_code=201,
    responses=error_responses(
        *PAYMENT_PIN_ERRORS, *KEY_ERRORS, cert_errors.CertificateAlreadyActive
    ),
)
async def issue(
    body: KeyBody, user: CurrentUser, request: Request, settings: AppSettings
) -> CertificateRead:
    """Issue: `pin` (server-held key) or `csr_pem` (device-held key), and the payment PIN."""
    certificate = await actions.issue(
        database_of(request), settings, user, _key(body), body.payment_pin
    )
    return _read(certificate)


@router.post(
    "/{certificate_id}/renew",
    status_code=201,
    responses=error_responses(*ACTION_ERRORS, *KEY_ERRORS, cert_errors.RenewalTooEarly),
)
async def renew(
    certificate_id: PathId,
    body: KeyBody,
    user: CurrentUser,
    request: Request,
    settings: AppSettings,
) -> CertificateRead:
    """Renew in the last 90 days: server key with the current certificate PIN, or a new CSR."""
    new = await actions.renew(
        database_of(request), settings, user, certificate_id, _key(body), body.payment_pin
    )
    return _read(new)


@router.post(
    "/{certificate_id}/reissue",
    status_code=201,
    responses=error_responses(*ACTION_ERRORS, *KEY_ERRORS),
)
async def reissue(
    certificate_id: PathId,
    body: ReissueBody,
    user: CurrentUser,
    request: Request,
    settings: AppSettings,
) -> CertificateRead:
    """Reissue (forgotten PIN or lost device): the old certificate is revoked."""
    database = database_of(request)
    key = _key(body)
    new = await actions.reissue(
        database, settings, user, certificate_id, key, body.reason, body.payment_pin
    )
    return _read(new)


@router.post(
    "/{certificate_id}/suspend",
    responses=error_responses(
        identity_errors.NotSignedIn,
        cert_errors.CertificateNotFound,
        cert_errors.CertificateStateConflict,
    ),
)
async def suspend(
    certificate_id: PathId, user: CurrentUser, request: Request, settings: AppSettings
) -> CertificateRead:
    return _read(await actions.suspend(database_of(request), settings, user, certificate_id))


@router.post("/{certificate_id}/restore", responses=error_responses(*ACTION_ERRORS))
async def restore(
    certificate_id: PathId,
    body: PaymentPinBody,
    user: CurrentUser,
    request: Request,
    settings: AppSettings,
) -> CertificateRead:
    """Restore a suspended certificate, or unlock a PIN-locked one (payment PIN needed)."""
    database = database_of(request)
    return _read(await actions.restore(database, settings, user, certificate_id, body.payment_pin))


@router.delete("/{certificate_id}", responses=error_responses(*ACTION_ERRORS))
async def delete(
    certificate_id: PathId,
    body: PaymentPinBody,
    user: CurrentUser,
    request: Request,
    settings: AppSettings,
) -> CertificateRead:
    """Delete for good: revoked (cessationOfOperation), the server-held key destroyed."""
    database = database_of(request)
    return _read(await actions.delete(database, settings, user, certificate_id, body.payment_pin))


@router.post(
    "/{certificate_id}/verify-pin",
    status_code=204,
    responses=error_responses(
        identity_errors.NotSignedIn,
        cert_errors.CertificateNotFound,
        cert_errors.CertificateStateConflict,
        cert_errors.CertificateLocked,
        cert_errors.NoServerKey,
        pki_errors.WrongPin,
        InvalidInput,
    ),
)
async def verify_pin(
    certificate_id: PathId,
    body: PinBody,
    user: CurrentUser,
    request: Request,
    settings: AppSettings,
) -> Response:
    """Whether the certificate PIN opens the server-held key (5 wrong in a row lock it)."""
    await actions.verify_pin(database_of(request), settings, user, certificate_id, body.pin)
    return Response(status_code=204)


# --- public PKI ---------------------------------------------------------------------------------


@pki_router.get("/ca.pem", response_class=Response)
async def ca_certificates(settings: AppSettings) -> Response:
    """Every issuing CA in force (newest first), then the root, PEM."""
    return Response(
        authorities_of(settings).chain_pem(), media_type="application/pem-certificate-chain"
    )


async def _crl_of(db: AsyncSession, settings: Settings, generation: int) -> Response:
    authorities = authorities_of(settings)
    if authorities.generation(generation) is None:
        authorities = authorities_of(settings, reload=True)  # another process rolled over?
        if authorities.generation(generation) is None:
            raise IssuingCaNotFound()
    latest = await crl.current(db, authorities, generation)
    return Response(latest.der, media_type="application/pkix-crl")


@pki_router.get("/crl", response_class=Response)
async def first_crl(db: DbSession, settings: AppSettings) -> Response:
    """The CRL (DER) of issuing CA 1: the address its certificates carry. Made on first
    demand, and again once a day (crl.current)."""
    return await _crl_of(db, settings, 1)


@pki_router.get(
    "/crl/{generation}", response_class=Response, responses=error_responses(IssuingCaNotFound)
)
async def crl_of_generation(generation: PathId, db: DbSession, settings: AppSettings) -> Response:
    """The CRL (DER) of issuing CA `generation` (2 and later: after each rollover)."""
    return await _crl_of(db, settings, generation)


def _issuer_of(settings: Settings, query: OcspQuery) -> tuple[int, Authority] | None:
    for reload in (False, True):  # a CA another process made since: read the directory again
        for number, authority in enumerate(
            authorities_of(settings, reload=reload).generations, start=1
        ):
            if is_about(query, authority.issuing_certificate):
                return number, authority
    return None


@pki_router.post("/ocsp", response_class=Response)
async def ocsp(request: Request, db: DbSession, settings: AppSettings) -> Response:
    """RFC 6960 over HTTP POST: `application/ocsp-request` in, `application/ocsp-response` out.
    Answered by the issuing CA the request names; unreadable requests get `malformedRequest`,
    one about a CA that is not ours `unauthorized`, as the RFC says."""
    body = await request.body()
    status = crl.status_of(None)
    authority = authorities_of(settings).current
    if len(body) <= _MAX_OCSP_BODY:
        try:
            query = parse_ocsp_request(body)
        except OcspRequestUnreadable:
            pass
        else:
            found = _issuer_of(settings, query)
            if found is not None:
                generation, authority = found
                certificate = await repository.by_serial(db, format(query.serial, "x"))
                if certificate is not None and certificate.generation == generation:
                    status = crl.status_of(certificate)
    answer = ocsp_response(authority, body, lambda _serial: status)
    return Response(answer, media_type="application/ocsp-response")
