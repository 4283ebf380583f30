"""Signature-request API (specs/certificates.md, "Relying-party gateway").

`institution_router`: institutions, with `Authorization: Bearer <institution key>`, ask a user
to sign (`POST /api/v1/institution/sign-requests`), poll the state and collect the result once;
another institution's receipt is not found. The operator manages institutions there too
(`/api/v1/admin/institutions`: create and rotate a key, each key shown once; list with request
counts, read, rename, suspend, reactivate).

`user_router`: the signed-in user's requests (`/api/v1/sign-requests`): the pending ones, one,
approve with the certificate PIN, reject; another user's is not found.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from easypay.certificate import actions, institutions, sign_requests
from easypay.certificate import errors as cert_errors
from easypay.certificate.institutions import (
    InstitutionNameTaken,
    InstitutionNotActive,
    InstitutionNotFound,
    InstitutionNotSuspended,
    InstitutionUnauthorized,
)
from easypay.certificate.pki import errors as pki_errors
from easypay.certificate.sign_requests import (
    ResultGone,
    ResultNotReady,
    SignerNotFound,
    SignRequestExpired,
    SignRequestNotFound,
    SignRequestNotPending,
)
from easypay.config import AppSettings
from easypay.db import Database, DbSession, database_of
from easypay.errors import InvalidInput, error_responses
from easypay.identity.dependencies import CurrentOperator, CurrentUser
from easypay.identity.errors import NotSignedIn, OperatorOnly
from easypay.kit.ids import PathId
from easypay.models import Institution, SignRequest

institution_router = APIRouter(tags=["institutions"])
user_router = APIRouter(prefix="/api/v1/sign-requests", tags=["certificates"])

ReceiptId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9]+$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InstitutionCreate(_Body):
    name: str = Field(
        min_length=1,
        max_length=institutions.MAX_NAME_CHARS,
        description="The name users see in their wallet; unique (ignoring case and spaces).",
        examples=["국민은행"],
    )


class InstitutionCreated(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=["국민은행"])
    status: str = Field(description="active or suspended", examples=["active"])
    api_key: str = Field(
        description="Shown only in this answer; EasyPay keeps its SHA-256. Send it as "
        "`Authorization: Bearer <key>`.",
        examples=["inst_3f9a0c1e2b4d5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e"],
    )


class SignRequestCreate(_Body):
    phone: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=50)
    birth_date: date
    purpose: Literal["sign", "identity", "signin"] = "sign"
    title: str = Field(min_length=1, max_length=100)
    text: str | None = Field(default=None, min_length=1, max_length=sign_requests.MAX_TEXT_CHARS)
    document_hash: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    expires_in: int = Field(ge=1, le=sign_requests.MAX_EXPIRY_SECONDS, description="Seconds.")


class SignRequestCreated(BaseModel):
    receipt_id: str
    expires_at: datetime


class SignRequestState(BaseModel):
    receipt_id: str
    purpose: str
    title: str
    status: str = Field(description="pending, signed, rejected, expired or collected")
    expires_at: datetime
    signed_at: datetime | None
    collected_at: datetime | None
    created_at: datetime


class TlogProofRead(BaseModel):
    index: int
    tree_size: int
    proof: list[str] = Field(description="Hex hashes, RFC 9162 inclusion path.")
    checkpoint: str = Field(description="The signed checkpoint (C2SP signed note).")


class SignResultRead(BaseModel):
    receipt_id: str
    cms: str = Field(description="Detached CMS SignedData, base64 DER.")
    jws: str = Field(description="Compact JWS ES256 with x5c; payload = the signed bytes.")
    certificate_chain: list[str] = Field(description="PEM: the signer, the issuing CA, the root.")
    ocsp: str = Field(description="OCSP response for the signer's certificate, base64 DER.")
    tlog: TlogProofRead


class UserSignRequestRead(BaseModel):
    receipt_id: str
    institution: str
    purpose: str
    title: str
    text: str | None
    document_hash: str | None
    status: str
    expires_at: datetime
    signed_at: datetime | None
    created_at: datetime


class UserSignRequestList(BaseModel):
    items: list[UserSignRequestRead]


class ApproveBody(_Body):
    pin: str = Field(min_length=1, max_length=20, description="The certificate PIN.")


async def _institution(request: Request, db: DbSession) -> Institution:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        raise InstitutionUnauthorized()
    return await institutions.by_key(db, key.strip())


CurrentInstitution = Annotated[Institution, Depends(_institution)]


def _state(request: SignRequest) -> SignRequestState:
    return SignRequestState(
        receipt_id=request.receipt_id,
        purpose=request.purpose,
        title=request.title,
        status=request.status,
        expires_at=sign_requests.utc(request.expires_at) or request.expires_at,
        signed_at=sign_requests.utc(request.signed_at),
        collected_at=sign_requests.utc(request.collected_at),
        created_at=sign_requests.utc(request.created_at) or request.created_at,
    )


def _user_read(request: SignRequest, institution: str) -> UserSignRequestRead:
    return UserSignRequestRead(
        receipt_id=request.receipt_id,
        institution=institution,
        purpose=request.purpose,
        title=request.title,
        text=request.text,
        document_hash=request.document_hash,
        status=request.status,
        expires_at=sign_requests.utc(request.expires_at) or request.expires_at,
        signed_at=sign_requests.utc(request.signed_at),
        created_at=sign_requests.utc(request.created_at) or request.created_at,
    )


# --- operator -----------------------------------------------------------------------------------

OPERATOR = (NotSignedIn, OperatorOnly)


class RequestCountsRead(BaseModel):
    pending: int = Field(description="Waiting for the user (not yet expired).", examples=[1])
    signed: int = Field(description="Signed, not yet collected.", examples=[0])
    collected: int = Field(description="Signed and collected.", examples=[12])
    rejected: int = Field(description="Refused by the user.", examples=[2])
    expired: int = Field(
        description="Not answered in time, or ended by a suspension.", examples=[3]
    )
    total: int = Field(examples=[18])


class InstitutionRead(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=["국민은행"])
    status: str = Field(description="active or suspended", examples=["active"])
    created_at: datetime
    requests: RequestCountsRead = Field(description="Its signature requests by state.")


class InstitutionList(BaseModel):
    items: list[InstitutionRead] = Field(description="Newest first.")
    total: int = Field(description="How many institutions match (all pages).", examples=[7])


class InstitutionUpdate(_Body):
    name: str = Field(
        min_length=1,
        max_length=institutions.MAX_NAME_CHARS,
        description="The name users see in their wallet; unique.",
        examples=["KB국민은행"],
    )


def _counts(counts: institutions.RequestCounts) -> RequestCountsRead:
    return RequestCountsRead(
        pending=counts.pending,
        signed=counts.signed,
        collected=counts.collected,
        rejected=counts.rejected,
        expired=counts.expired,
        total=counts.total,
    )


def _institution_read(found: institutions.InstitutionSummary) -> InstitutionRead:
    institution = found.institution
    return InstitutionRead(
        id=institution.id,
        name=institution.name,
        status=institution.status,
        created_at=sign_requests.utc(institution.created_at) or institution.created_at,
        requests=_counts(found.requests),
    )


def _created(created: institutions.CreatedInstitution) -> InstitutionCreated:
    institution = created.institution
    return InstitutionCreated(
        id=institution.id, name=institution.name, status=institution.status, api_key=created.api_key
    )


@institution_router.get(
    "/api/v1/admin/institutions",
    tags=["operators"],
    summary="Institutions, newest first, with their signature requests by state",
    responses=error_responses(*OPERATOR),
)
async def list_institutions(
    operator: CurrentOperator,
    db: DbSession,
    status: Annotated[
        Literal["active", "suspended"] | None,
        Query(description="Only institutions in this status."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=institutions.MAX_PAGE_SIZE)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> InstitutionList:
    found, total = await institutions.listing(db, status or "", limit, offset)
    return InstitutionList(items=[_institution_read(each) for each in found], total=total)


@institution_router.post(
    "/api/v1/admin/institutions",
    status_code=201,
    tags=["operators"],
    summary="Create an institution (its API key is shown only in this answer)",
    responses=error_responses(*OPERATOR, InvalidInput, InstitutionNameTaken),
)
async def create_institution(
    body: InstitutionCreate, operator: CurrentOperator, db: DbSession
) -> InstitutionCreated:
    return _created(await institutions.create(db, body.name))


@institution_router.get(
    "/api/v1/admin/institutions/{institution_id}",
    tags=["operators"],
    summary="One institution",
    responses=error_responses(*OPERATOR, InstitutionNotFound),
)
async def get_institution(
    institution_id: PathId, operator: CurrentOperator, db: DbSession
) -> InstitutionRead:
    return _institution_read(await institutions.summary(db, institution_id))


@institution_router.patch(
    "/api/v1/admin/institutions/{institution_id}",
    tags=["operators"],
    summary="Rename an institution",
    responses=error_responses(*OPERATOR, InstitutionNotFound, InvalidInput, InstitutionNameTaken),
)
async def rename_institution(
    institution_id: PathId, body: InstitutionUpdate, operator: CurrentOperator, db: DbSession
) -> InstitutionRead:
    await institutions.rename(db, institution_id, body.name)
    return _institution_read(await institutions.summary(db, institution_id))


@institution_router.post(
    "/api/v1/admin/institutions/{institution_id}/suspend",
    tags=["operators"],
    summary="Suspend an institution: its key is refused at once, its pending requests end",
    responses=error_responses(*OPERATOR, InstitutionNotFound, InstitutionNotActive),
)
async def suspend_institution(
    institution_id: PathId, operator: CurrentOperator, db: DbSession
) -> InstitutionRead:
    """The key answers 401 like an unknown key from now on; requests still waiting for the
    user become `expired`; signed ones cannot be collected while it is suspended."""
    await institutions.suspend(db, institution_id)
    return _institution_read(await institutions.summary(db, institution_id))


@institution_router.post(
    "/api/v1/admin/institutions/{institution_id}/reactivate",
    tags=["operators"],
    summary="Reactivate a suspended institution",
    responses=error_responses(*OPERATOR, InstitutionNotFound, InstitutionNotSuspended),
)
async def reactivate_institution(
    institution_id: PathId, operator: CurrentOperator, db: DbSession
) -> InstitutionRead:
    await institutions.reactivate(db, institution_id)
    return _institution_read(await institutions.summary(db, institution_id))


@institution_router.post(
    "/api/v1/admin/institutions/{institution_id}/rotate-key",
    tags=["operators"],
    summary="Give an institution a new API key (shown only in this answer; the old one stops)",
    responses=error_responses(*OPERATOR, InstitutionNotFound),
)
async def rotate_institution_key(
    institution_id: PathId, operator: CurrentOperator, db: DbSession
) -> InstitutionCreated:
    return _created(await institutions.rotate_key(db, institution_id))


# --- institutions -------------------------------------------------------------------------------


@institution_router.post(
    "/api/v1/institution/sign-requests",
    status_code=201,
    summary="Ask a user to sign (or to prove identity, or to sign in)",
    responses=error_responses(InstitutionUnauthorized, InvalidInput, SignerNotFound),
)
async def create_sign_request(
    body: SignRequestCreate, institution: CurrentInstitution, db: DbSession
) -> SignRequestCreated:
    """The user is named by phone, name and birth date (all must match a user with an active
    certificate); give a text or a document SHA-256 (hex), a title and `expires_in` ≤ 1,000 s."""
    created = await sign_requests.create(
        db,
        institution,
        sign_requests.NewSignRequest(
            phone=body.phone,
            name=body.name,
            birth_date=body.birth_date,
            title=body.title,
            expires_in=body.expires_in,
            purpose=body.purpose,
            text=body.text,
            document_hash=body.document_hash,
        ),
    )
    return SignRequestCreated(
        receipt_id=created.receipt_id,
        expires_at=sign_requests.utc(created.expires_at) or created.expires_at,
    )


@institution_router.get(
    "/api/v1/institution/sign-requests/{receipt_id}",
    summary="The state of a request",
    responses=error_responses(InstitutionUnauthorized, SignRequestNotFound),
)
async def sign_request_state(
    receipt_id: ReceiptId, institution: CurrentInstitution, db: DbSession
) -> SignRequestState:
    return _state(await sign_requests.of_institution(db, institution, receipt_id))


@institution_router.post(
    "/api/v1/institution/sign-requests/{receipt_id}/result",
    summary="Collect the signature (once, within 10 minutes of signing)",
    responses=error_responses(
        InstitutionUnauthorized, SignRequestNotFound, ResultNotReady, ResultGone
    ),
)
async def collect_result(
    receipt_id: ReceiptId, institution: CurrentInstitution, db: DbSession, settings: AppSettings
) -> SignResultRead:
    """Detached CMS and JWS over the signed bytes (a text's UTF-8, or a document hash's 32 raw
    bytes), the certificate chain, an OCSP response and the log inclusion proof."""
    result = await sign_requests.collect(db, settings, institution, receipt_id)
    return SignResultRead(
        receipt_id=result.request.receipt_id,
        cms=sign_requests.b64(result.cms_der),
        jws=result.jws,
        certificate_chain=result.chain_pem,
        ocsp=sign_requests.b64(result.ocsp_der),
        tlog=TlogProofRead(
            index=result.tlog.index,
            tree_size=result.tlog.tree_size,
            proof=[h.hex() for h in result.tlog.proof],
            checkpoint=result.tlog.checkpoint,
        ),
    )


# --- users --------------------------------------------------------------------------------------

ANSWER_ERRORS = (NotSignedIn, SignRequestNotFound, SignRequestExpired, SignRequestNotPending)


@user_router.get(
    "", summary="My pending signature requests", responses=error_responses(NotSignedIn)
)
async def my_pending(user: CurrentUser, db: DbSession) -> UserSignRequestList:
    pending = await sign_requests.pending_of(db, user.id)
    names = await sign_requests.institution_names(db, [r.institution_id for r in pending])
    return UserSignRequestList(items=[_user_read(r, names[r.institution_id]) for r in pending])


@user_router.get(
    "/{receipt_id}",
    summary="One of my signature requests: what is to be signed",
    responses=error_responses(NotSignedIn, SignRequestNotFound),
)
async def my_request(
    receipt_id: ReceiptId, user: CurrentUser, db: DbSession
) -> UserSignRequestRead:
    found = await sign_requests.of_user(db, user.id, receipt_id)
    names = await sign_requests.institution_names(db, [found.institution_id])
    return _user_read(found, names[found.institution_id])


@user_router.post(
    "/{receipt_id}/approve",
    summary="Sign with the certificate PIN",
    responses=error_responses(
        *ANSWER_ERRORS,
        cert_errors.CertificateStateConflict,
        cert_errors.CertificateLocked,
        cert_errors.NoServerKey,
        pki_errors.WrongPin,
        InvalidInput,
    ),
)
async def approve(
    receipt_id: ReceiptId,
    body: ApproveBody,
    user: CurrentUser,
    request: Request,
    settings: AppSettings,
) -> UserSignRequestRead:
    """A wrong certificate PIN is counted (five in a row lock the certificate)."""
    database = database_of(request)
    signed = await actions.approve_request(database, settings, user, receipt_id, body.pin)
    return await _answered(database, signed)


@user_router.post(
    "/{receipt_id}/reject",
    summary="Refuse to sign",
    responses=error_responses(*ANSWER_ERRORS),
)
async def reject(receipt_id: ReceiptId, user: CurrentUser, request: Request) -> UserSignRequestRead:
    database = database_of(request)
    return await _answered(database, await actions.reject_request(database, user, receipt_id))


async def _answered(database: Database, answered: SignRequest) -> UserSignRequestRead:
    async with database.transaction() as session:
        names = await sign_requests.institution_names(session, [answered.institution_id])
    return _user_read(answered, names[answered.institution_id])
