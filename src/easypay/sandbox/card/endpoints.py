"""The sandbox card issuer's HTTP API and its administration API.

Every route needs `Authorization: Bearer <card_issuer_api_token>`. Card operations the issuer
could take answer HTTP 200 with `result_code` (`00` approved, else the decline code); 4xx is
only for calls the API cannot take.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request

from easypay.config import AppSettings
from easypay.db import DbSession, database_of
from easypay.sandbox.card import service
from easypay.sandbox.card.errors import (
    AuthorizationNotFound,
    BadRequest,
    CardExists,
    CardNotFound,
    InjectedFailure,
    SandboxCardError,
    Unauthorized,
)
from easypay.sandbox.card.schemas import (
    AuthorizationCreate,
    AuthorizationQuery,
    AuthorizationRead,
    CardCreate,
    CardRead,
    CardUpdate,
    FaultCreate,
    FaultRead,
    FaultsCleared,
    OperationCreate,
    OperationRead,
    RegistrationCreate,
    RegistrationRead,
)

Body = TypeVar("Body")


async def require_token(request: Request, settings: AppSettings) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.card_issuer_api_token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise Unauthorized()


def _errors(*errors: type[SandboxCardError]) -> dict[int | str, dict[str, Any]]:
    responses: dict[int | str, dict[str, Any]] = {}
    declared: tuple[type[SandboxCardError], ...] = (Unauthorized, BadRequest, *errors)
    for error in declared:
        responses[error.status] = {"description": error.message}
    return responses


def _deliver(answer: service.Answer[Body]) -> Body:
    if answer.fail_after_success:
        raise InjectedFailure()
    return answer.body


router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])
admin_router = APIRouter(
    prefix="/_sandbox", tags=["sandbox administration"], dependencies=[Depends(require_token)]
)

ApprovalId = Annotated[str, Path(description="The authorisation's approval number.", max_length=20)]
CardNumber = Annotated[str, Path(description="Card number.", pattern=r"^\d{12,19}$")]


@router.post(
    "/cards/register",
    tags=["cards"],
    summary="카드 등록: check a card's details and get its token",
    responses=_errors(),
)
async def register(body: RegistrationCreate, request: Request) -> RegistrationRead:
    return _deliver(await service.register(database_of(request), body))


@router.post(
    "/authorizations",
    tags=["authorizations"],
    summary="승인: hold an amount against the card's limit (idempotent on request_id)",
    responses=_errors(),
)
async def authorize(body: AuthorizationCreate, request: Request) -> AuthorizationRead:
    return _deliver(await service.authorize(database_of(request), body))


@router.post(
    "/authorizations/inquiry",
    tags=["authorizations"],
    summary="승인 결과 조회: what became of an authorisation",
    description="404 when the issuer never saw the request id; the id is then voided, so that "
    "a late arrival of it is declined (12).",
    responses=_errors(AuthorizationNotFound),
)
async def inquiry(body: AuthorizationQuery, request: Request) -> AuthorizationRead:
    found = await service.authorization_result(database_of(request), body.request_id)
    if found is None:
        raise AuthorizationNotFound()
    return found


@router.post(
    "/authorizations/{approval_id}/capture",
    tags=["authorizations"],
    summary="매입: capture (part of) an authorisation (idempotent on request_id)",
    responses=_errors(),
)
async def capture(
    approval_id: ApprovalId, body: OperationCreate, request: Request
) -> OperationRead:
    return _deliver(await service.capture(database_of(request), approval_id, body))


@router.post(
    "/authorizations/{approval_id}/cancel",
    tags=["authorizations"],
    summary="취소: give back (part of) an authorisation (idempotent on request_id)",
    responses=_errors(),
)
async def cancel(approval_id: ApprovalId, body: OperationCreate, request: Request) -> OperationRead:
    return _deliver(await service.cancel(database_of(request), approval_id, body))


# --- administration ----------------------------------------------------------------------------


@admin_router.post("/cards", status_code=201, summary="Issue a card", responses=_errors(CardExists))
async def open_card(body: CardCreate, db: DbSession) -> CardRead:
    card = await service.open_card(
        db,
        body.number,
        body.expiry,
        body.holder_name,
        body.card_type,
        body.credit_limit,
        body.status,
    )
    return CardRead.model_validate(card)


@admin_router.get(
    "/cards/{number}", summary="Read a card (limit, used, status)", responses=_errors(CardNotFound)
)
async def read_card(number: CardNumber, db: DbSession) -> CardRead:
    return CardRead.model_validate(await service.card(db, number))


@admin_router.patch(
    "/cards/{number}",
    summary="Change a card's status or limit",
    responses=_errors(CardNotFound),
)
async def update_card(number: CardNumber, body: CardUpdate, db: DbSession) -> CardRead:
    card = await service.update_card(db, number, body.status, body.credit_limit)
    return CardRead.model_validate(card)


@admin_router.post(
    "/faults",
    status_code=201,
    summary="Make the next matching calls misbehave",
    responses=_errors(),
)
async def add_fault(body: FaultCreate, db: DbSession) -> FaultRead:
    fault = await service.add_fault(
        db,
        body.operation,
        body.mode,
        card_number=body.card_number,
        decline_code=body.decline_code,
        count=body.count,
        delay_seconds=body.delay_seconds,
    )
    return FaultRead.model_validate(fault)


@admin_router.get("/faults", summary="List the faults", responses=_errors())
async def list_faults(db: DbSession) -> list[FaultRead]:
    return [FaultRead.model_validate(fault) for fault in await service.faults(db)]


@admin_router.delete("/faults", summary="Remove every fault", responses=_errors())
async def clear_faults(db: DbSession) -> FaultsCleared:
    return FaultsCleared(deleted=await service.clear_faults(db))
