"""Pay Money API: balance, linked accounts, charge, withdraw, history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from easypay.config import AppSettings
from easypay.db import DbSession, database_of
from easypay.errors import InvalidInput, RateLimited, error_responses
from easypay.idempotency.dependencies import Idempotent, idempotent
from easypay.idempotency.errors import (
    IdempotencyInProgress,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
)
from easypay.identity import errors as identity_errors
from easypay.identity import service as identity
from easypay.identity.dependencies import CurrentUser
from easypay.kit.ids import PathId
from easypay.kit.pagination import Page
from easypay.ledger.errors import CapExceeded, InsufficientFunds
from easypay.models import BankLink, BankOperation
from easypay.money import errors, service
from easypay.money.banks import BANK_NAMES, mask_account
from easypay.money.dependencies import Bank
from easypay.money.schemas import (
    ActivityRead,
    BalanceRead,
    BankLinkCreate,
    BankLinkRead,
    BankOperationRead,
    ChargeCreate,
    WithdrawalCreate,
)

router = APIRouter(prefix="/api/v1/money", tags=["pay money"])

# What any signed-in, PIN-checked, idempotent call can answer (other packages extend it).
PIN_CALL_ERRORS = (
    identity_errors.NotSignedIn,
    identity_errors.WrongPin,
    identity_errors.PinLocked,
    identity_errors.PinNotSet,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    InvalidInput,
    RateLimited,
)
VALUE_MOVING_ERRORS = (
    *PIN_CALL_ERRORS,
    errors.BankLinkNotFound,
    errors.AmountOutOfRange,
    errors.BankDeclined,
)


def link_read(link: BankLink) -> BankLinkRead:
    return BankLinkRead(
        id=link.id,
        bank_code=link.bank_code,
        bank_name=BANK_NAMES.get(link.bank_code, link.bank_code),
        account_masked=mask_account(link.account_number),
        holder_name=link.holder_name,
        consented_at=link.consented_at,
        created_at=link.created_at,
    )


def operation_read(operation: BankOperation) -> BankOperationRead:
    return BankOperationRead.model_validate(operation)


@router.get(
    "/balance",
    summary="My Pay Money balance",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def get_balance(user: CurrentUser, db: DbSession, settings: AppSettings) -> BalanceRead:
    balance = await service.balance(db, user)
    return BalanceRead(
        balance=balance.posted,
        available=balance.available,
        incoming=balance.incoming,
        holding_cap=settings.money_holding_cap,
    )


@router.get(
    "/bank-links",
    summary="My linked bank accounts",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def list_links(user: CurrentUser, db: DbSession) -> list[BankLinkRead]:
    return [link_read(link) for link in await service.linked_accounts(db, user)]


@router.post(
    "/bank-links",
    status_code=201,
    summary="Link a bank account in my own name",
    responses=error_responses(
        identity_errors.NotSignedIn,
        errors.ConsentRequired,
        errors.UnknownBank,
        errors.BankAccountNotFound,
        errors.HolderNameMismatch,
        errors.AlreadyLinked,
        errors.BankUnavailable,
    ),
)
async def link_account(
    body: BankLinkCreate, user: CurrentUser, db: DbSession, bank: Bank
) -> BankLinkRead:
    link = await service.link_account(
        db, bank, user, body.bank_code, body.account_number, body.consent
    )
    return link_read(link)


@router.delete(
    "/bank-links/{link_id}",
    status_code=204,
    summary="Unlink a bank account",
    responses=error_responses(identity_errors.NotSignedIn, errors.BankLinkNotFound),
)
async def unlink_account(link_id: PathId, user: CurrentUser, db: DbSession) -> Response:
    await service.unlink_account(db, user, link_id)
    return Response(status_code=204)


@router.post(
    "/charges",
    status_code=201,
    summary="Charge Pay Money from a linked account",
    description="Needs the payment PIN and an `Idempotency-Key`. `status` is `completed`, or "
    "`unknown` while the bank's answer is awaited (the worker settles it; poll "
    "`GET /charges/{id}`). The balance may not exceed the holding cap.",
    responses=error_responses(*VALUE_MOVING_ERRORS, CapExceeded),
)
@idempotent
async def charge(
    body: ChargeCreate,
    user: CurrentUser,
    idem: Idempotent,
    db: DbSession,
    request: Request,
    bank: Bank,
    settings: AppSettings,
) -> BankOperationRead:
    database = database_of(request)
    await identity.check_pin(database, settings, user.id, body.pin)
    operation = await service.charge(
        database, bank, settings, user, body.bank_link_id, body.amount, idem.request_key("charge")
    )
    return operation_read(operation)


@router.post(
    "/withdrawals",
    status_code=201,
    summary="Withdraw Pay Money to a linked account",
    description="Needs the payment PIN and an `Idempotency-Key`.",
    responses=error_responses(*VALUE_MOVING_ERRORS, InsufficientFunds),
)
@idempotent
async def withdraw(
    body: WithdrawalCreate,
    user: CurrentUser,
    idem: Idempotent,
    db: DbSession,
    request: Request,
    bank: Bank,
    settings: AppSettings,
) -> BankOperationRead:
    database = database_of(request)
    await identity.check_pin(database, settings, user.id, body.pin)
    operation = await service.withdraw(
        database, bank, settings, user, body.bank_link_id, body.amount, idem.request_key("withdraw")
    )
    return operation_read(operation)


@router.get(
    "/operations/{operation_id}",
    summary="One charge or withdrawal",
    responses=error_responses(identity_errors.NotSignedIn, errors.OperationNotFound),
)
async def get_operation(
    operation_id: PathId, user: CurrentUser, db: DbSession
) -> BankOperationRead:
    return operation_read(await service.operation_of(db, user, operation_id))


@router.get(
    "/history",
    summary="My money activity, newest first",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def history(
    user: CurrentUser,
    db: DbSession,
    code: Annotated[
        list[str], Query(description="Only these kinds (charge, withdrawal, ...).")
    ] = [],  # noqa: B006
    since: Annotated[datetime | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    cursor: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
) -> Page[ActivityRead]:
    activities = await service.history(db, user, code, since, until, cursor, limit + 1)
    items = [
        ActivityRead(
            id=a.transfer.id,
            code=a.transfer.code,
            direction=a.direction,
            amount=a.amount,
            status=a.status,
            reference=a.transfer.reference,
            created_at=a.transfer.created_at,
        )
        for a in activities[:limit]
    ]
    next_cursor = str(items[-1].id) if len(activities) > limit else None
    return Page[ActivityRead](items=items, next_cursor=next_cursor)
