"""The sandbox card issuer's rules: cards, registration, authorise / capture / cancel, result
inquiries, faults.

Published test cards (they exist in every sandbox; the first call that names one creates it):

The generic test cards are held by "테스트", born 1990-05-17 (YYMMDD 900517).

| number             | expiry | birth date | password | what it does                           |
|--------------------|--------|------------|----------|----------------------------------------|
| 9490120000000012   | 1231   | 900517     | 12       | 신용, limit 5,000,000: approves        |
| 9490120000000020   | 1231   | 900517     | 12       | 신용, limit 30,000: a low limit (51)   |
| 9490120000000038   | 1231   | 900517     | 12       | 신용: every authorisation declines 05  |
| 9490120000000046   | 1231   | 900517     | 12       | 신용, lost: registration declines 62   |
| 9490120000000053   | 0125   | 900517     | 12       | 신용, expired: registration declines 54|
| 9490130000000060   | 1231   | 900517     | 12       | 체크, balance 1,000,000 (no instalments)|
| 9490121000000010   | 1231   | 900517     | 12       | 김민준's demo card, limit 3,000,000     |
| 9490121000000028   | 1231   | 931102     | 12       | 이서연's demo card, limit 3,000,000     |
| 9490121000000036   | 1231   | 870224     | 12       | 박지훈's demo card, limit 3,000,000     |

A card opened through `/_sandbox/cards` verifies with birth date 900517 and password 12 (the
sandbox's tables keep no holder birth date or password).

Decline codes: 05 do not honour, 12 invalid transaction, 13 invalid amount (over-capture,
over-cancel), 14 invalid card, 51 over the limit, 54 expired, 55 the card details do not match,
57 not permitted (instalments on a check card), 62 lost card.

Every authorise, capture and cancel is idempotent on the caller's `request_id`: the id is claimed
by inserting its row (`sandbox_card_authorizations`, request_id unique) in the transaction that
holds or releases the limit, and the answer is saved in that row, so a repeat — sequential or
concurrent — gets the first answer and changes nothing. Captures and cancels are rows of their
own there (`state` `capture` / `cancel`, `merchant_name` naming the authorisation's approval id).
An authorisation never captured lapses after 7 days (what is left of it is cancelled and the
limit released when the card is next authorised, or when the capture finally comes: then 13).
A result inquiry about an id never seen saves a `void` row, so that the id, should it arrive
later (a call that timed out), is refused: an answer "never seen" is never contradicted.

Functions that may sleep (a `timeout` fault) take the `Database` and hold no transaction while
sleeping.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card.numbers import expired, luhn_valid
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.models import SandboxCard, SandboxCardAuthorization, SandboxCardFault
from easypay.sandbox.card import repository
from easypay.sandbox.card.errors import (
    APPROVED,
    EXPIRED_CARD,
    INSUFFICIENT_LIMIT,
    INVALID_AMOUNT,
    INVALID_CARD,
    INVALID_TRANSACTION,
    LOST_CARD,
    NOT_PERMITTED,
    VERIFICATION_FAILED,
    BadRequest,
    CardExists,
    CardNotFound,
    message_of,
)
from easypay.sandbox.card.errors import DO_NOT_HONOR as DO_NOT_HONOR_CODE
from easypay.sandbox.card.schemas import (
    AuthorizationCreate,
    AuthorizationRead,
    OperationCreate,
    OperationRead,
    RegistrationCreate,
    RegistrationRead,
)

CORP_CODE = "SBX"
CORP_NAME = "샌드박스카드"
DEFAULT_BIRTH_DATE = "900517"
DEFAULT_PASSWORD = "12"  # noqa: S105 - a published sandbox value
INTEREST_FREE_MONTHS = frozenset({2, 3})  # 무이자 할부 on 2 and 3 months
LAPSE_AFTER = timedelta(days=7)  # an authorisation never captured lapses after this
OPERATIONS = ("register", "authorize", "capture", "cancel", "any")
FAULT_MODES = ("decline", "timeout", "fail_after_success")
LIVE_STATES = ("authorized", "captured", "canceled")


@dataclass(frozen=True)
class PublishedCard:
    number: str
    expiry: str
    holder_name: str
    birth_date: str
    password: str
    card_type: str
    credit_limit: int
    status: str = "active"


PUBLISHED_CARDS = (
    PublishedCard("9490120000000012", "1231", "테스트", "900517", "12", "신용", 5_000_000),
    PublishedCard("9490120000000020", "1231", "테스트", "900517", "12", "신용", 30_000),
    PublishedCard(
        "9490120000000038", "1231", "테스트", "900517", "12", "신용", 5_000_000, "suspended"
    ),
    PublishedCard("9490120000000046", "1231", "테스트", "900517", "12", "신용", 5_000_000, "lost"),
    PublishedCard("9490120000000053", "0125", "테스트", "900517", "12", "신용", 5_000_000),
    PublishedCard("9490130000000060", "1231", "테스트", "900517", "12", "체크", 1_000_000),
    PublishedCard("9490121000000010", "1231", "김민준", "900517", "12", "신용", 3_000_000),
    PublishedCard("9490121000000028", "1231", "이서연", "931102", "12", "신용", 3_000_000),
    PublishedCard("9490121000000036", "1231", "박지훈", "870224", "12", "신용", 3_000_000),
)
PUBLISHED = {card.number: card for card in PUBLISHED_CARDS}

Body = TypeVar("Body")


@dataclass(frozen=True)
class Answer(Generic[Body]):
    """The issuer's answer; `fail_after_success` asks the endpoint to hide it behind a 500."""

    body: Body
    fail_after_success: bool = False


@dataclass(frozen=True)
class _Fault:
    mode: str
    decline_code: str
    delay_seconds: float


class _Duplicate(Exception):
    """Another request claimed this request id first: roll back, then replay its answer."""


# --- cards -------------------------------------------------------------------------------------


def _card_values(
    number: str,
    expiry: str,
    holder_name: str,
    card_type: str,
    credit_limit: int,
    status: str,
    now: datetime,
) -> dict[str, object]:
    return {
        "number": number,
        "expiry": expiry,
        "holder_name": holder_name,
        "corp_code": CORP_CODE,
        "corp_name": CORP_NAME,
        "card_type": card_type,
        "credit_limit": credit_limit,
        "used": 0,
        "token": None,
        "status": status,
        "created_at": now,
    }


async def _ensure_published(session: AsyncSession, card: PublishedCard) -> None:
    values = _card_values(
        card.number,
        card.expiry,
        card.holder_name,
        card.card_type,
        card.credit_limit,
        card.status,
        clock.now(),
    )
    await repository.insert_card_if_missing(session, values)


async def ensure_published_cards(session: AsyncSession) -> None:
    """Create the published test cards that are missing (demo data, the admin API)."""
    for card in PUBLISHED_CARDS:
        await _ensure_published(session, card)


async def find_card(session: AsyncSession, number: str) -> SandboxCard | None:
    """A card by number; a published test card is created on first use."""
    found = await repository.card_by_number(session, number)
    if found is None and number in PUBLISHED:
        await _ensure_published(session, PUBLISHED[number])
        found = await repository.card_by_number(session, number)
    return found


async def card(session: AsyncSession, number: str) -> SandboxCard:
    found = await find_card(session, number)
    if found is None:
        raise CardNotFound()
    return found


async def open_card(
    session: AsyncSession,
    number: str,
    expiry: str,
    holder_name: str,
    card_type: str,
    credit_limit: int,
    status: str = "active",
) -> SandboxCard:
    """Issue a card (tests, the admin API); it verifies with the default birth date/password."""
    if not luhn_valid(number):
        raise BadRequest("The card number fails the Luhn check.")
    if credit_limit < 0:
        raise BadRequest("A limit cannot be negative.")
    if await find_card(session, number) is not None:
        raise CardExists()
    values = _card_values(number, expiry, holder_name, card_type, credit_limit, status, clock.now())
    await repository.insert_card_if_missing(session, values)
    return await card(session, number)


async def update_card(
    session: AsyncSession, number: str, status: str | None, credit_limit: int | None
) -> SandboxCard:
    found = await card(session, number)
    values: dict[str, object] = {}
    if status is not None:
        values["status"] = status
    if credit_limit is not None:
        if credit_limit < found.used:
            raise BadRequest("The limit cannot be below what is used.")
        values["credit_limit"] = credit_limit
    if values:
        await repository.update_card(session, found.id, values)
    return await card(session, number)


# --- faults ------------------------------------------------------------------------------------


async def add_fault(
    session: AsyncSession,
    operation: str,
    mode: str,
    *,
    card_number: str = "*",
    decline_code: str = DO_NOT_HONOR_CODE,
    count: int = 1,
    delay_seconds: float = 0.0,
) -> SandboxCardFault:
    """Make the next `count` matching calls misbehave (see schemas.FaultCreate)."""
    if operation not in OPERATIONS:
        raise BadRequest(f"operation is one of {', '.join(OPERATIONS)}.")
    if mode not in FAULT_MODES:
        raise BadRequest(f"mode is one of {', '.join(FAULT_MODES)}.")
    if count < 1 or delay_seconds < 0:
        raise BadRequest("count is at least 1 and delay_seconds not negative.")
    if mode == "decline" and (decline_code == APPROVED or len(decline_code) != 2):
        raise BadRequest("A decline needs a 2-digit code other than 00.")
    fault = SandboxCardFault(
        operation=operation,
        card_number=card_number or "*",
        mode=mode,
        decline_code=decline_code if mode == "decline" else "",
        remaining=count,
        delay_seconds=delay_seconds,
        created_at=clock.now(),
    )
    session.add(fault)
    await session.flush()
    return fault


async def faults(session: AsyncSession) -> list[SandboxCardFault]:
    return await repository.faults(session)


async def clear_faults(session: AsyncSession) -> int:
    return await repository.delete_faults(session)


async def _take_fault(session: AsyncSession, operation: str, card_number: str) -> _Fault | None:
    for fault in await repository.matching_faults(session, operation, card_number):
        if await repository.use_fault(session, fault.id):
            return _Fault(fault.mode, fault.decline_code, fault.delay_seconds)
    return None


Execute = Callable[[AsyncSession, str | None], Awaitable[Body]]
Replay = Callable[[AsyncSession], Awaitable[Body | None]]


async def _perform(
    database: Database,
    operation: str,
    card_number: Callable[[AsyncSession], Awaitable[str]],
    replay: Replay[Body],
    execute: Execute[Body],
) -> Answer[Body]:
    """Run one call with the faults that apply to it. `replay` gives the first answer to a
    repeat (a repeat uses up no fault); `execute` claims the request id, does the work and saves
    the answer (raising _Duplicate when another request claimed the id first)."""
    fault: _Fault | None = None
    try:
        async with database.transaction() as session:
            first = await replay(session)
            if first is not None:
                return Answer(first)
            fault = await _take_fault(session, operation, await card_number(session))
            if fault is None or fault.mode != "timeout":
                declined = (
                    fault.decline_code if fault is not None and fault.mode == "decline" else None
                )
                body = await execute(session, declined)
                return Answer(body, fault is not None and fault.mode == "fail_after_success")
    except _Duplicate:
        return Answer(await _replayed(database, replay))
    # A timeout fault: the call arrives late. Sleep outside any transaction, then do it —
    # unless a result inquiry has voided the id in the meantime (execute then replays).
    assert fault is not None
    await asyncio.sleep(fault.delay_seconds)
    try:
        async with database.transaction() as session:
            first = await replay(session)
            if first is not None:
                return Answer(first)
            return Answer(await execute(session, None))
    except _Duplicate:
        return Answer(await _replayed(database, replay))


async def _replayed(database: Database, replay: Replay[Body]) -> Body:
    async with database.transaction() as session:
        first = await replay(session)
    assert first is not None  # a committed claim is never deleted
    return first


async def _no_replay(_: AsyncSession) -> None:
    return None


# --- registration ------------------------------------------------------------------------------


def _verification(number: str) -> tuple[str, str]:
    published = PUBLISHED.get(number)
    if published is not None:
        return published.birth_date, published.password
    return DEFAULT_BIRTH_DATE, DEFAULT_PASSWORD


async def register(database: Database, request: RegistrationCreate) -> Answer[RegistrationRead]:
    """Check the card's details and hand out its token (the same token every time)."""

    async def card_number(_: AsyncSession) -> str:
        return request.card_number

    async def execute(session: AsyncSession, declined: str | None) -> RegistrationRead:
        code = declined or await _registration_code(session, request)
        if code != APPROVED:
            return RegistrationRead(result_code=code, result_message=message_of(code))
        found = await card(session, request.card_number)
        if found.token is None:
            await repository.set_token_if_missing(session, found.id, "sbx_" + secrets.token_hex(24))
            found = await card(session, request.card_number)
        assert found.token is not None
        return RegistrationRead(
            result_code=APPROVED,
            result_message=message_of(APPROVED),
            token=found.token,
            corp_code=found.corp_code,
            corp_name=found.corp_name,
            bin=found.number[:6],
            last4=found.number[-4:],
            card_type=found.card_type,
        )

    return await _perform(database, "register", card_number, _no_replay, execute)


async def _registration_code(session: AsyncSession, request: RegistrationCreate) -> str:
    if not luhn_valid(request.card_number):
        return INVALID_CARD
    found = await find_card(session, request.card_number)
    if found is None:
        return INVALID_CARD
    if found.status == "lost":
        return LOST_CARD
    birth_date, password = _verification(found.number)
    if (request.expiry, request.birth_date, request.password_two_digits) != (
        found.expiry,
        birth_date,
        password,
    ):
        return VERIFICATION_FAILED
    if expired(found.expiry, clock.now()):
        return EXPIRED_CARD
    return APPROVED


# --- authorisations ----------------------------------------------------------------------------


def _placeholder(prefix: str) -> str:
    """A unique non-approval id for rows that carry no approval number (20 characters)."""
    return prefix + uuid.uuid4().hex[:19]


async def _new_approval_id(session: AsyncSession) -> str:
    while True:
        candidate = f"{secrets.randbelow(10**8):08d}"
        if not await repository.approval_id_taken(session, candidate):
            return candidate


def _authorization_read(
    request_id: str, code: str, amount: int, install_month: int
) -> AuthorizationRead:
    return AuthorizationRead(
        result_code=code,
        result_message=message_of(code),
        request_id=request_id,
        approval_id="",
        amount=amount,
        install_month=install_month,
        interest_free=False,
        state="declined",
    )


async def authorize(database: Database, request: AuthorizationCreate) -> Answer[AuthorizationRead]:
    """Hold `amount` against the card's limit and answer an approval number — or decline."""

    async def card_number(session: AsyncSession) -> str:
        found = await repository.card_by_token(session, request.token)
        return found.number if found is not None else ""

    async def replay(session: AsyncSession) -> AuthorizationRead | None:
        row = await repository.by_request_id(session, request.request_id)
        if row is None:
            return None
        if row.state in ("authorized", "captured", "canceled", "declined"):
            return AuthorizationRead.model_validate_json(row.response_json)
        # Voided by a result inquiry, or the id of a capture or cancel: never processed.
        return _authorization_read(
            request.request_id, INVALID_TRANSACTION, request.amount, request.install_month
        )

    async def execute(session: AsyncSession, declined: str | None) -> AuthorizationRead:
        now = clock.now()
        found = await repository.card_by_token(session, request.token)
        claimed = await repository.claim(
            session,
            {
                "request_id": request.request_id,
                "approval_id": _placeholder("D"),
                "card_id": found.id if found is not None else 0,
                "merchant_name": request.merchant_name,
                "amount": request.amount,
                "captured_amount": 0,
                "canceled_amount": 0,
                "install_month": request.install_month,
                "state": "pending",
                "decline_code": "",
                "response_json": "",
                "created_at": now,
                "updated_at": now,
            },
        )
        if not claimed:
            raise _Duplicate()
        code = declined or await _authorization_code(session, found, request, now)
        if code != APPROVED:
            body = _authorization_read(
                request.request_id, code, request.amount, request.install_month
            )
            values: dict[str, object] = {"state": "declined", "decline_code": code}
        else:
            approval_id = await _new_approval_id(session)
            credit = found is not None and found.card_type == "신용"
            body = AuthorizationRead(
                result_code=APPROVED,
                result_message=message_of(APPROVED),
                request_id=request.request_id,
                approval_id=approval_id,
                amount=request.amount,
                install_month=request.install_month,
                interest_free=credit and request.install_month in INTEREST_FREE_MONTHS,
                state="authorized",
                approved_at=now,
            )
            values = {"state": "authorized", "approval_id": approval_id}
        await repository.finish(
            session, request.request_id, {**values, "response_json": body.model_dump_json()}
        )
        return body

    return await _perform(database, "authorize", card_number, replay, execute)


async def _authorization_code(
    session: AsyncSession,
    found: SandboxCard | None,
    request: AuthorizationCreate,
    now: datetime,
) -> str:
    if found is None:
        return INVALID_CARD
    if found.status == "lost":
        return LOST_CARD
    if found.status != "active":
        return DO_NOT_HONOR_CODE
    if expired(found.expiry, now):
        return EXPIRED_CARD
    if found.card_type == "체크" and request.install_month > 0:
        return NOT_PERMITTED
    await repository.lapse_stale(session, found.id, now - LAPSE_AFTER, now)
    if not await repository.hold(session, found.id, request.amount):
        return INSUFFICIENT_LIMIT
    return APPROVED


# --- captures and cancels ----------------------------------------------------------------------


async def capture(
    database: Database, approval_id: str, request: OperationCreate
) -> Answer[OperationRead]:
    """매입: capture (part of) an authorisation; captures add up to at most what is authorised
    and not cancelled."""
    return await _operation(database, "capture", approval_id, request)


async def cancel(
    database: Database, approval_id: str, request: OperationCreate
) -> Answer[OperationRead]:
    """취소: give back (part of) an authorisation, captured or not; cancels add up to at most the
    authorised amount, and release the limit."""
    return await _operation(database, "cancel", approval_id, request)


def _operation_read(
    kind: str,
    request: OperationCreate,
    approval_id: str,
    code: str,
    parent: SandboxCardAuthorization | None,
) -> OperationRead:
    return OperationRead(
        result_code=code,
        result_message=message_of(code),
        request_id=request.request_id,
        approval_id=approval_id,
        amount=request.amount,
        authorized_amount=parent.amount if parent is not None else 0,
        captured_amount=parent.captured_amount if parent is not None else 0,
        canceled_amount=parent.canceled_amount if parent is not None else 0,
        state=parent.state if parent is not None else "",
    )


async def _parent(session: AsyncSession, approval_id: str) -> SandboxCardAuthorization | None:
    if len(approval_id) != 8 or not approval_id.isdigit():
        return None
    found = await repository.by_approval_id(session, approval_id)
    return found if found is not None and found.state in LIVE_STATES else None


async def _operation(
    database: Database, kind: str, approval_id: str, request: OperationCreate
) -> Answer[OperationRead]:
    async def card_number(session: AsyncSession) -> str:
        parent = await _parent(session, approval_id)
        found = await repository.card_by_id(session, parent.card_id) if parent else None
        return found.number if found is not None else ""

    async def replay(session: AsyncSession) -> OperationRead | None:
        row = await repository.by_request_id(session, request.request_id)
        if row is None:
            return None
        if row.state == kind and row.merchant_name == approval_id:
            return OperationRead.model_validate_json(row.response_json)
        # The id belongs to another call: this one is not processed.
        return _operation_read(kind, request, approval_id, INVALID_TRANSACTION, None)

    async def execute(session: AsyncSession, declined: str | None) -> OperationRead:
        now = clock.now()
        parent = await _parent(session, approval_id)
        claimed = await repository.claim(
            session,
            {
                "request_id": request.request_id,
                "approval_id": _placeholder("C" if kind == "capture" else "X"),
                "card_id": parent.card_id if parent is not None else 0,
                "merchant_name": approval_id,
                "amount": request.amount,
                "captured_amount": 0,
                "canceled_amount": 0,
                "install_month": 0,
                "state": kind,
                "decline_code": "",
                "response_json": "",
                "created_at": now,
                "updated_at": now,
            },
        )
        if not claimed:
            raise _Duplicate()
        if declined is not None:
            code = declined
        elif parent is None:
            code = INVALID_TRANSACTION
        elif kind == "capture":
            await repository.lapse_stale(session, parent.card_id, now - LAPSE_AFTER, now)
            done = await repository.add_capture(session, parent.id, request.amount, now)
            code = APPROVED if done else INVALID_AMOUNT
        else:
            done = await repository.add_cancel(session, parent.id, request.amount, now)
            if done:
                await repository.release(session, parent.card_id, request.amount)
            code = APPROVED if done else INVALID_AMOUNT
        fresh = await repository.by_approval_id(session, approval_id) if parent else None
        body = _operation_read(kind, request, approval_id, code, fresh)
        await repository.finish(
            session,
            request.request_id,
            {
                "decline_code": "" if code == APPROVED else code,
                "response_json": body.model_dump_json(),
            },
        )
        return body

    return await _perform(database, kind, card_number, replay, execute)


# --- result inquiry ----------------------------------------------------------------------------


async def authorization_result(database: Database, request_id: str) -> AuthorizationRead | None:
    """What became of an authorisation (None: never seen). An id never seen is voided first,
    in its own committed transaction, so that its late arrival is refused."""
    now = clock.now()
    async with database.transaction() as session:
        voided = await repository.claim(
            session,
            {
                "request_id": request_id,
                "approval_id": _placeholder("V"),
                "card_id": 0,
                "merchant_name": "",
                "amount": 0,
                "captured_amount": 0,
                "canceled_amount": 0,
                "install_month": 0,
                "state": "void",
                "decline_code": INVALID_TRANSACTION,
                "response_json": "",
                "created_at": now,
                "updated_at": now,
            },
        )
        if voided:
            return None
        row = await repository.by_request_id(session, request_id)
    assert row is not None
    if row.state not in ("authorized", "captured", "canceled", "declined"):
        return None
    first = AuthorizationRead.model_validate_json(row.response_json)
    return first.model_copy(
        update={
            "state": row.state,
            "captured_amount": row.captured_amount,
            "canceled_amount": row.canceled_amount,
        }
    )
