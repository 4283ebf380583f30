"""Operator API (operators are created with `easypay admin create-operator`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from easypay.admin import service
from easypay.admin.schemas import EventRead, LedgerHealth, UsersPage, UserSummary
from easypay.db import DbSession
from easypay.errors import error_responses
from easypay.identity.dependencies import CurrentOperator
from easypay.identity.errors import NotSignedIn, OperatorOnly, UserNotFound
from easypay.kit.ids import PathId

router = APIRouter(prefix="/api/v1/admin", tags=["operators"])
ERRORS = error_responses(NotSignedIn, OperatorOnly)


@router.get("/users", summary="Users, searchable", responses=ERRORS)
async def list_users(
    operator: CurrentOperator,
    db: DbSession,
    q: Annotated[str, Query(max_length=100, description="Name or phone contains.")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> UsersPage:
    items, total = await service.users(db, q, limit, offset)
    return UsersPage(items=items, total=total)


class StatusUpdate(BaseModel):
    status: Literal["active", "suspended"] = Field(description="Suspend or reactivate.")


@router.patch(
    "/users/{user_id}",
    summary="Suspend or reactivate a user",
    responses=error_responses(NotSignedIn, OperatorOnly, UserNotFound),
)
async def update_user(
    user_id: PathId, body: StatusUpdate, operator: CurrentOperator, db: DbSession
) -> UserSummary:
    return await service.set_status(db, user_id, body.status)


@router.get("/ledger/health", summary="Ledger invariants (the verify report)", responses=ERRORS)
async def ledger_health(operator: CurrentOperator, db: DbSession) -> LedgerHealth:
    return await service.ledger_health(db)


@router.get("/activity", summary="Recent activity", responses=ERRORS)
async def activity(operator: CurrentOperator, db: DbSession) -> list[EventRead]:
    events = await service.recent_activity(db)
    return [
        EventRead(id=e.id, user_id=e.user_id, kind=e.kind, detail=e.detail, created_at=e.created_at)
        for e in events
    ]
