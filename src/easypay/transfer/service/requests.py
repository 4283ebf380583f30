"""Money requests and dutch pay (정산하기).

A request asks one or several people for an amount each; a dutch pay splits a bill among
participants (evenly or by entered amounts) and asks each for their share — never the
organiser for theirs. Each person asked pays (a posted transfer from their wallet to the
requester's, under the sending limits) or declines, once; the requester sees who did what,
and can close the request (then nobody can pay it any more).

The even split's rule for the won that do not divide: the organiser's own share takes the
remainder when they take part; otherwise the first participants (in the order entered) pay
1 won more each. `even_shares` implements it; the pages and the API description state it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.identity.service import record_event
from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.ledger.errors import CapExceeded
from easypay.ledger.schemas import TransferRequest
from easypay.models import MoneyRequest, MoneyRequestItem, User
from easypay.notification.service import notify
from easypay.transfer import limits, repository
from easypay.transfer.errors import (
    AlreadyAnswered,
    CannotSendToYourself,
    MoneyRequestClosed,
    MoneyRequestNotFound,
    NotAParticipant,
    RecipientCapExceeded,
    SharesDoNotAddUp,
)

REMAINDER_RULE = (
    "Split evenly in whole won; the won left over are paid by the organiser when they take "
    "part, otherwise by the first participants, 1 won each."
)


@dataclass(frozen=True)
class RequestView:
    request: MoneyRequest
    requester: User
    items: list[tuple[MoneyRequestItem, User]]

    @property
    def paid(self) -> int:
        return sum(item.amount for item, _ in self.items if item.status == "paid")

    @property
    def outstanding(self) -> int:
        return sum(item.amount for item, _ in self.items if item.status == "pending")


def even_shares(total: int, participants: int, organiser_takes_part: bool) -> tuple[int, list[int]]:
    """(the organiser's share, each participant's share) of `total`, split evenly."""
    people = participants + (1 if organiser_takes_part else 0)
    base, left_over = divmod(total, people)
    if organiser_takes_part:
        return base + left_over, [base] * participants
    return 0, [base + (1 if index < left_over else 0) for index in range(participants)]


async def ask(
    session: AsyncSession,
    requester: User,
    shares: list[tuple[User, int]],
    title: str,
    request_key: str,
    remind_at: datetime | None = None,
) -> MoneyRequest:
    """Ask each person for their amount."""
    existing = await repository.request_by_key(session, request_key)
    if existing is not None:
        return existing
    return await _create(
        session, requester, "request", shares, title, "", 0, request_key, remind_at
    )


async def split_bill(
    session: AsyncSession,
    organiser: User,
    participants: list[User],
    total: int,
    title: str,
    request_key: str,
    *,
    organiser_takes_part: bool = True,
    amounts: list[int] | None = None,
    organiser_amount: int = 0,
    remind_at: datetime | None = None,
) -> MoneyRequest:
    """A dutch pay: split `total` evenly (no `amounts`) or by the entered amounts, which with
    the organiser's own part must add up to the total; ask each participant for theirs."""
    existing = await repository.request_by_key(session, request_key)
    if existing is not None:
        return existing
    if amounts is None:
        if total < len(participants) + (1 if organiser_takes_part else 0):
            raise SharesDoNotAddUp("The total is too small to split among so many people.")
        own, parts = even_shares(total, len(participants), organiser_takes_part)
        split = "even"
    else:
        own, parts, split = organiser_amount, amounts, "amounts"
        if len(parts) != len(participants):
            raise SharesDoNotAddUp("Give one amount for each participant.")
        if own + sum(parts) != total:
            raise SharesDoNotAddUp(
                f"The shares add up to {own + sum(parts):,} KRW, not {total:,} KRW."
            )
    shares = [(person, part) for person, part in zip(participants, parts, strict=True) if part > 0]
    return await _create(
        session, organiser, "dutch", shares, title, split, own, request_key, remind_at, total
    )


async def _create(
    session: AsyncSession,
    requester: User,
    kind: str,
    shares: list[tuple[User, int]],
    title: str,
    split: str,
    own_share: int,
    request_key: str,
    remind_at: datetime | None,
    total: int | None = None,
) -> MoneyRequest:
    if not shares:
        raise SharesDoNotAddUp("Ask at least one person for more than 0 KRW.")
    if any(person.id == requester.id for person, _ in shares):
        raise CannotSendToYourself("You cannot ask yourself for money.")
    now = clock.now()
    request = MoneyRequest(
        requester_id=requester.id,
        kind=kind,
        title=title,
        total=total if total is not None else sum(amount for _, amount in shares),
        split=split,
        requester_share=own_share,
        status="open",
        request_key=request_key,
        remind_at=remind_at,
        reminded_at=None,
        created_at=now,
        closed_at=None,
    )
    session.add(request)
    await session.flush()
    for person, amount in shares:
        session.add(
            MoneyRequestItem(
                money_request_id=request.id,
                payer_id=person.id,
                amount=amount,
                status="pending",
                ledger_transfer_id=None,
                resolved_at=None,
            )
        )
        await notify(
            session,
            person.id,
            "request.asked",
            {"requester": requester.name, "amount": amount, "title": title},
            f"/requests/{request.id}",
        )
    await session.flush()
    await record_event(session, requester.id, f"request.{kind}_created", f"request {request.id}")
    return request


async def pay(
    session: AsyncSession, settings: Settings, payer: User, money_request_id: int
) -> RequestView:
    """Pay one's part: a transfer to the requester, at most once, while the request is open."""
    request, item = await _own_item(session, payer, money_request_id)
    if item.status != "pending":
        raise AlreadyAnswered(f"You have already {item.status} this request.")
    if not await repository.lock_open_request(session, request.id):  # a close waits for us
        raise MoneyRequestClosed()
    now = clock.now()
    await limits.count(session, settings, payer.id, item.amount, limits.day_of(now))
    source = await ledger.user_wallet(session, payer.id)
    target = await ledger.user_wallet(session, request.requester_id)
    try:
        made = await ledger.transfer(
            session,
            TransferRequest(
                debit_account_id=source.id,
                credit_account_id=target.id,
                amount=item.amount,
                code="request_payment",
                key=f"request:{request.id}:{payer.id}",
                reference=f"request:{request.id}",
                credit_cap=settings.money_holding_cap,
            ),
        )
    except CapExceeded as error:
        raise RecipientCapExceeded(
            "Paying this would take the requester over the holding cap."
        ) from error
    if not await repository.answer_item(session, request.id, payer.id, "paid", now, made.id):
        raise AlreadyAnswered()  # someone answered at the same moment: this one rolls back
    await notify(
        session,
        request.requester_id,
        "request.paid",
        {"payer": payer.name, "amount": item.amount, "title": request.title},
        f"/requests/{request.id}",
    )
    return await view(session, payer, request.id)


async def decline(session: AsyncSession, payer: User, money_request_id: int) -> RequestView:
    request, item = await _own_item(session, payer, money_request_id)
    if request.status != "open":
        raise MoneyRequestClosed()
    if not await repository.answer_item(session, request.id, payer.id, "declined", clock.now()):
        raise AlreadyAnswered()
    await notify(
        session,
        request.requester_id,
        "request.declined",
        {"payer": payer.name, "amount": item.amount, "title": request.title},
        f"/requests/{request.id}",
    )
    return await view(session, payer, request.id)


async def close(session: AsyncSession, requester: User, money_request_id: int) -> RequestView:
    """The requester closes it: nobody can pay it any more."""
    request = await repository.request_visible_to(session, requester, money_request_id)
    if request is None or request.requester_id != requester.id:
        raise MoneyRequestNotFound()
    if not await repository.close_request(session, request.id, clock.now()):
        raise MoneyRequestClosed("This request is already closed.")
    for item in await repository.items_of(session, request.id):
        if item.status == "pending":
            await notify(
                session,
                item.payer_id,
                "request.closed",
                {"requester": requester.name, "title": request.title},
                f"/requests/{request.id}",
            )
    return await view(session, requester, request.id)


async def remind(session: AsyncSession, money_request_id: int) -> bool:
    """The worker's part: at the time the requester picked, remind those who have not paid."""
    if not await repository.mark_request_reminded(session, money_request_id, clock.now()):
        return False
    request = await session.get(MoneyRequest, money_request_id)
    assert request is not None
    requester = await session.get(User, request.requester_id)
    assert requester is not None
    for item in await repository.items_of(session, request.id):
        if item.status == "pending":
            await notify(
                session,
                item.payer_id,
                "request.reminder",
                {"requester": requester.name, "amount": item.amount, "title": request.title},
                f"/requests/{request.id}",
            )
    return True


async def view(session: AsyncSession, user: User, money_request_id: int) -> RequestView:
    request = await repository.request_visible_to(session, user, money_request_id)
    if request is None:
        raise MoneyRequestNotFound()
    await session.refresh(request)
    items = await repository.items_of(session, request.id)
    for item in items:
        await session.refresh(item)
    people = await repository.users_by_id(
        session, {request.requester_id} | {item.payer_id for item in items}
    )
    return RequestView(
        request, people[request.requester_id], [(item, people[item.payer_id]) for item in items]
    )


async def requests_of(
    session: AsyncSession, user: User, role: str, cursor: int | None, limit: int
) -> list[MoneyRequest]:
    return await repository.requests_of(session, user, role, cursor, limit)


async def _own_item(
    session: AsyncSession, payer: User, money_request_id: int
) -> tuple[MoneyRequest, MoneyRequestItem]:
    request = await repository.request_visible_to(session, payer, money_request_id)
    if request is None:
        raise MoneyRequestNotFound()
    items = [i for i in await repository.items_of(session, request.id) if i.payer_id == payer.id]
    if not items:
        raise NotAParticipant()
    if request.status != "open":
        raise MoneyRequestClosed()
    return request, items[0]
