"""Transfers API: send to a person or a bank account, receive / decline / cancel, request
money, dutch pay. Every value-moving call needs the PIN and an `Idempotency-Key`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import AppSettings
from easypay.db import DbSession, database_of
from easypay.errors import InvalidInput, error_responses
from easypay.idempotency.dependencies import Idempotent, idempotent
from easypay.idempotency.errors import (
    IdempotencyInProgress,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
)
from easypay.identity import errors as identity_errors
from easypay.identity import service as identity
from easypay.identity.dependencies import CurrentUser
from easypay.identity.repository import friendship
from easypay.kit.ids import MAX_ID, PathId
from easypay.kit.pagination import Page
from easypay.ledger.errors import InsufficientFunds
from easypay.models import BankOperation, PersonTransfer, User
from easypay.money import errors as money_errors
from easypay.money import service as money
from easypay.money.banks import BANK_NAMES, mask_account
from easypay.money.dependencies import Bank
from easypay.money.endpoints import PIN_CALL_ERRORS
from easypay.transfer import errors, repository
from easypay.transfer.schemas import (
    BankInquiryCreate,
    BankInquiryRead,
    BankTransferCreate,
    BankTransferRead,
    DutchPayCreate,
    MoneyRequestCreate,
    MoneyRequestItemRead,
    MoneyRequestRead,
    PartyRead,
    PersonTransferCreate,
    PersonTransferRead,
    PinCreate,
    ShareCreate,
)
from easypay.transfer.service import bank as bank_transfer

# `claims` is imported for what its import does: sign-up then hands waiting transfers over.
from easypay.transfer.service import claims, funding, person, requests  # noqa: F401
from easypay.transfer.service.requests import RequestView

router = APIRouter(prefix="/api/v1", tags=["transfers"])

VALUE_MOVING_ERRORS = (
    *PIN_CALL_ERRORS,
    InsufficientFunds,
    errors.TransferLimitExceeded,
    money_errors.AutoChargeOff,
    money_errors.ChargePending,
    money_errors.NoLinkedAccount,
)
Cursor = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size.")]


async def is_friend(session: AsyncSession, user: User, other_id: int) -> bool:
    return await friendship(session, user.id, other_id) is not None


def _masked_phone(phone: str) -> str:
    return phone[:-4] + "****" if len(phone) > 4 else "****"


def _party(user: User | None, phone: str) -> PartyRead:
    return (
        PartyRead(id=user.id, name=user.name)
        if user
        else PartyRead(id=None, name=_masked_phone(phone))
    )


async def transfer_read(db: DbSession, user: User, transfer: PersonTransfer) -> PersonTransferRead:
    people = await repository.users_by_id(
        db, {transfer.sender_id} | ({transfer.recipient_id} if transfer.recipient_id else set())
    )
    sender = people[transfer.sender_id]
    recipient = people.get(transfer.recipient_id or 0)
    mine = transfer.sender_id == user.id
    open_ = transfer.status == "sent"
    return PersonTransferRead(
        id=transfer.id,
        direction="sent" if mine else "received",
        sender=_party(sender, sender.phone),
        recipient=_party(recipient, transfer.recipient_phone),
        amount=transfer.amount,
        message=transfer.message,
        status=transfer.status,
        expires_at=transfer.expires_at,
        created_at=transfer.created_at,
        resolved_at=transfer.resolved_at,
        can_receive=open_ and not mine,
        can_cancel=open_ and mine,
    )


def bank_transfer_read(operation: BankOperation) -> BankTransferRead:
    return BankTransferRead(
        id=operation.id,
        bank_code=operation.bank_code or "",
        bank_name=BANK_NAMES.get(operation.bank_code or "", ""),
        account_masked=mask_account(operation.account_number or ""),
        holder_name=operation.holder_name or "",
        amount=operation.amount,
        message=operation.message,
        status=operation.status,
        bank_message=operation.bank_message,
        created_at=operation.created_at,
    )


# --- to a person ------------------------------------------------------------------------------


@router.post(
    "/transfers",
    status_code=201,
    summary="Send Pay Money to a friend or a phone number",
    description="The money is held until the recipient receives it (or declines it); the "
    "sender can cancel until then; not received within the window (72 hours by default) it "
    "returns. A phone number with no EasyPay account can claim it by signing up in time. "
    "Auto-charges the shortfall when the balance is short and auto-charge is on.",
    responses=error_responses(
        *VALUE_MOVING_ERRORS, errors.RecipientNotFound, errors.CannotSendToYourself
    ),
)
@idempotent
async def send(
    body: PersonTransferCreate,
    user: CurrentUser,
    idem: Idempotent,
    db: DbSession,
    request: Request,
    bank: Bank,
    settings: AppSettings,
) -> PersonTransferRead:
    database = database_of(request)
    # Read apart from the request transaction, which must not begin before the auto-charge
    # (its own transactions; on SQLite a begun request transaction would hold the write lock).
    async with identity.pin_checked(database, settings, user.id, body.pin) as session:
        if body.friend_id is not None and not await is_friend(session, user, body.friend_id):
            raise errors.RecipientNotFound("This user is not your friend; send by phone number.")
        recipient = await person.find_recipient(
            session, user, phone=body.phone, user_id=body.friend_id
        )
        charge = await funding.plan(
            session, settings, user, body.amount, idem.request_key("transfer-charge")
        )
    await money.run_auto_charge(database, bank, settings, user, charge)
    transfer = await person.send(
        db, settings, user, recipient, body.amount, body.message, idem.request_key("transfer")
    )
    return await transfer_read(db, user, transfer)


@router.get(
    "/transfers",
    summary="My transfers to and from people, newest first",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def list_transfers(
    user: CurrentUser,
    db: DbSession,
    direction: Annotated[
        Literal["all", "sent", "received"], Query(description="Which side.")
    ] = "all",
    status: Annotated[
        Literal["sent", "received", "declined", "canceled", "returned"] | None,
        Query(description="Only this status."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[PersonTransferRead]:
    rows = await repository.transfers_of(db, user, direction, status, cursor, limit + 1)
    items = [await transfer_read(db, user, t) for t in rows[:limit]]
    return Page[PersonTransferRead](
        items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None
    )


@router.get(
    "/transfers/{transfer_id}",
    summary="One transfer",
    responses=error_responses(identity_errors.NotSignedIn, errors.TransferNotFound),
)
async def get_transfer(transfer_id: PathId, user: CurrentUser, db: DbSession) -> PersonTransferRead:
    return await transfer_read(db, user, await person.transfer_of(db, user, transfer_id))


TRANSITION_ERRORS = (
    identity_errors.NotSignedIn,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    errors.TransferNotFound,
    errors.TransferAlreadyResolved,
    errors.TransferExpired,
)


@router.post(
    "/transfers/{transfer_id}/receive",
    summary="Receive a transfer sent to me",
    description="The held money lands in my Pay Money. Refused (409) if it was already "
    "received, declined, canceled or returned, or would take me over the holding cap.",
    responses=error_responses(*TRANSITION_ERRORS, errors.RecipientCapExceeded),
)
@idempotent
async def receive(
    transfer_id: PathId, user: CurrentUser, idem: Idempotent, db: DbSession, settings: AppSettings
) -> PersonTransferRead:
    return await transfer_read(db, user, await person.receive(db, settings, user, transfer_id))


@router.post(
    "/transfers/{transfer_id}/decline",
    summary="Decline a transfer sent to me (it returns to the sender)",
    responses=error_responses(*TRANSITION_ERRORS),
)
@idempotent
async def decline(
    transfer_id: PathId, user: CurrentUser, idem: Idempotent, db: DbSession
) -> PersonTransferRead:
    return await transfer_read(db, user, await person.decline(db, user, transfer_id))


@router.post(
    "/transfers/{transfer_id}/cancel",
    summary="Cancel a transfer I sent, before it is received",
    responses=error_responses(*TRANSITION_ERRORS),
)
@idempotent
async def cancel(
    transfer_id: PathId, user: CurrentUser, idem: Idempotent, db: DbSession
) -> PersonTransferRead:
    return await transfer_read(db, user, await person.cancel(db, user, transfer_id))


# --- to a bank account ------------------------------------------------------------------------


@router.post(
    "/bank-transfers/inquiry",
    summary="Who holds this bank account (before sending to it)",
    responses=error_responses(
        identity_errors.NotSignedIn,
        InvalidInput,
        money_errors.UnknownBank,
        money_errors.BankAccountNotFound,
        money_errors.BankUnavailable,
    ),
)
async def inquire(body: BankInquiryCreate, user: CurrentUser, bank: Bank) -> BankInquiryRead:
    account = await bank_transfer.inquire(bank, body.bank_code, body.account_number)
    return BankInquiryRead(
        bank_code=account.bank_code,
        bank_name=BANK_NAMES[account.bank_code],
        account_number=account.account_number,
        holder_name=account.holder_name,
    )


@router.post(
    "/bank-transfers",
    status_code=201,
    summary="Send Pay Money to a bank account",
    description="Immediate and not cancellable. `status` is `completed`, or `unknown` while the "
    "bank's answer is awaited (the worker settles it). When the bank refuses, the answer is "
    "402 BankDeclined and the money is back in Pay Money.",
    responses=error_responses(
        *VALUE_MOVING_ERRORS,
        money_errors.UnknownBank,
        money_errors.BankAccountNotFound,
        money_errors.BankUnavailable,
        money_errors.BankDeclined,
    ),
)
@idempotent
async def send_to_bank(
    body: BankTransferCreate,
    user: CurrentUser,
    idem: Idempotent,
    db: DbSession,
    request: Request,
    bank: Bank,
    settings: AppSettings,
) -> BankTransferRead:
    await identity.check_pin(database_of(request), settings, user.id, body.pin)
    # The account first: a wrong one must not have auto-charged anything.
    account = await bank_transfer.inquire(bank, body.bank_code, body.account_number)
    await funding.cover(
        database_of(request), bank, settings, user, body.amount, idem.request_key("bank-charge")
    )
    operation = await bank_transfer.send(
        database_of(request),
        bank,
        settings,
        user,
        body.bank_code,
        body.account_number,
        body.amount,
        body.message,
        idem.request_key("bank-transfer"),
        account=account,
    )
    return bank_transfer_read(operation)


@router.get(
    "/bank-transfers",
    summary="My transfers to bank accounts, newest first",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def list_bank_transfers(
    user: CurrentUser, db: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[BankTransferRead]:
    rows = await bank_transfer.bank_transfers_of(db, user, cursor, limit + 1)
    items = [bank_transfer_read(operation) for operation in rows[:limit]]
    return Page[BankTransferRead](
        items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None
    )


@router.get(
    "/bank-transfers/{operation_id}",
    summary="One transfer to a bank account",
    responses=error_responses(identity_errors.NotSignedIn, errors.TransferNotFound),
)
async def get_bank_transfer(
    operation_id: PathId, user: CurrentUser, db: DbSession
) -> BankTransferRead:
    return bank_transfer_read(await bank_transfer.bank_transfer_of(db, user, operation_id))


# --- money requests and dutch pay -------------------------------------------------------------


async def _people(db: DbSession, user: User, shares: list[ShareCreate]) -> list[User]:
    found: list[User] = []
    for share in shares:
        if share.user_id is not None:
            # By id only friends, as for transfers: ids must not be walked to learn names.
            if not await is_friend(db, user, share.user_id):
                raise errors.RecipientNotFound("This user is not your friend; ask by phone number.")
            recipient = await person.find_recipient(db, user, user_id=share.user_id)
        else:
            recipient = await person.find_recipient(db, user, phone=share.phone)
        if recipient.user is None:
            raise errors.RecipientNotFound(f"No EasyPay user has the number {share.phone}.")
        if any(other.id == recipient.user.id for other in found):
            raise InvalidInput("Each person may be asked only once.")
        found.append(recipient.user)
    return found


def request_read(user: User, view: RequestView) -> MoneyRequestRead:
    request = view.request
    mine = [item.status for item, payer in view.items if payer.id == user.id]
    return MoneyRequestRead(
        id=request.id,
        kind=request.kind,
        title=request.title,
        requester=_party(view.requester, view.requester.phone),
        total=request.total,
        split=request.split,
        requester_share=request.requester_share,
        status=request.status,
        paid=view.paid,
        outstanding=view.outstanding,
        items=[
            MoneyRequestItemRead(
                payer=_party(payer, payer.phone),
                amount=item.amount,
                status=item.status,
                resolved_at=item.resolved_at,
            )
            for item, payer in view.items
        ],
        remind_at=request.remind_at,
        created_at=request.created_at,
        my_item_status=mine[0] if mine else None,
    )


REQUEST_ERRORS = (
    identity_errors.NotSignedIn,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    InvalidInput,
    errors.RecipientNotFound,
    errors.CannotSendToYourself,
    errors.SharesDoNotAddUp,
)


@router.post(
    "/money-requests",
    status_code=201,
    summary="Ask one or several people for money",
    responses=error_responses(*REQUEST_ERRORS),
)
@idempotent
async def ask(
    body: MoneyRequestCreate, user: CurrentUser, idem: Idempotent, db: DbSession
) -> MoneyRequestRead:
    if any(share.amount is None for share in body.people):
        raise InvalidInput("Give an amount for each person.")
    people = await _people(db, user, body.people)
    shares = [(p, share.amount or 0) for p, share in zip(people, body.people, strict=True)]
    created = await requests.ask(
        db, user, shares, body.title, idem.request_key("request"), body.remind_at
    )
    return request_read(user, await requests.view(db, user, created.id))


@router.post(
    "/dutch-pays",
    status_code=201,
    summary="Split a bill among friends (정산하기)",
    description="Split `total` evenly or by entered amounts; each participant is asked for "
    "their share, never the organiser for theirs. Even split: the won left over are paid by "
    "the organiser when they take part, otherwise by the first participants, 1 won each.",
    responses=error_responses(*REQUEST_ERRORS),
)
@idempotent
async def split_bill(
    body: DutchPayCreate, user: CurrentUser, idem: Idempotent, db: DbSession
) -> MoneyRequestRead:
    people = await _people(db, user, body.people)
    amounts = None
    if body.split == "amounts":
        if any(share.amount is None for share in body.people):
            raise InvalidInput("Give an amount for each participant.")
        amounts = [share.amount or 0 for share in body.people]
    created = await requests.split_bill(
        db,
        user,
        people,
        body.total,
        body.title,
        idem.request_key("dutch"),
        organiser_takes_part=body.include_me,
        amounts=amounts,
        organiser_amount=body.my_amount if body.split == "amounts" else 0,
        remind_at=body.remind_at,
    )
    return request_read(user, await requests.view(db, user, created.id))


@router.get(
    "/money-requests",
    summary="Requests and dutch pays I made or was asked in, newest first",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def list_requests(
    user: CurrentUser,
    db: DbSession,
    role: Annotated[
        Literal["all", "sent", "received"], Query(description="Made or asked.")
    ] = "all",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[MoneyRequestRead]:
    rows = await requests.requests_of(db, user, role, cursor, limit + 1)
    items = [request_read(user, await requests.view(db, user, r.id)) for r in rows[:limit]]
    return Page[MoneyRequestRead](
        items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None
    )


@router.get(
    "/money-requests/{request_id}",
    summary="One request or dutch pay, with who paid",
    responses=error_responses(identity_errors.NotSignedIn, errors.MoneyRequestNotFound),
)
async def get_request(request_id: PathId, user: CurrentUser, db: DbSession) -> MoneyRequestRead:
    return request_read(user, await requests.view(db, user, request_id))


@router.post(
    "/money-requests/{request_id}/pay",
    summary="Pay my part of a request (PIN)",
    responses=error_responses(
        *VALUE_MOVING_ERRORS,
        errors.MoneyRequestNotFound,
        errors.MoneyRequestClosed,
        errors.AlreadyAnswered,
        errors.RecipientCapExceeded,
    ),
)
@idempotent
async def pay_request(
    request_id: PathId,
    body: PinCreate,
    user: CurrentUser,
    idem: Idempotent,
    db: DbSession,
    request: Request,
    bank: Bank,
    settings: AppSettings,
) -> MoneyRequestRead:
    database = database_of(request)
    await identity.check_pin(database, settings, user.id, body.pin)
    async with database.transaction() as session:  # apart from the request's (see `send`)
        asked = await requests.view(session, user, request_id)
    mine = [item for item, payer in asked.items if payer.id == user.id]
    if mine and mine[0].status == "pending":
        await funding.cover(
            database, bank, settings, user, mine[0].amount, idem.request_key("request-charge")
        )
    return request_read(user, await requests.pay(db, settings, user, request_id))


@router.post(
    "/money-requests/{request_id}/decline",
    summary="Decline my part of a request",
    responses=error_responses(
        *REQUEST_ERRORS,
        errors.MoneyRequestNotFound,
        errors.MoneyRequestClosed,
        errors.AlreadyAnswered,
    ),
)
@idempotent
async def decline_request(
    request_id: PathId, user: CurrentUser, idem: Idempotent, db: DbSession
) -> MoneyRequestRead:
    return request_read(user, await requests.decline(db, user, request_id))


@router.post(
    "/money-requests/{request_id}/close",
    summary="Close my request (nobody can pay it any more)",
    responses=error_responses(
        *REQUEST_ERRORS, errors.MoneyRequestNotFound, errors.MoneyRequestClosed
    ),
)
@idempotent
async def close_request(
    request_id: PathId, user: CurrentUser, idem: Idempotent, db: DbSession
) -> MoneyRequestRead:
    return request_read(user, await requests.close(db, user, request_id))
