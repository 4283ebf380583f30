"""Sending Pay Money to a person.

The money is held from the moment it is sent: a pending ledger transfer from the sender's
wallet into transfer escrow. Then exactly one of these ends it, each a conditional status
change from `sent` in the same transaction as its ledger entries:

- received: the hold is posted and escrow pays the recipient's wallet;
- declined by the recipient, canceled by the sender, or returned (not received within the
  window, by the worker): the hold is voided and the amount leaves the day's sending total.

A transfer to a phone number with no account waits the same way; whoever signs up with that
number within the window can receive it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.identity import repository as identity_repository
from easypay.identity.service import parse_phone, record_event
from easypay.kit.clock import clock
from easypay.ledger import repository as ledger_repository
from easypay.ledger import service as ledger
from easypay.ledger.accounts import TRANSFER_ESCROW
from easypay.ledger.errors import CapExceeded
from easypay.ledger.schemas import TransferRequest
from easypay.models import PersonTransfer, User
from easypay.notification.service import notify
from easypay.transfer import limits, repository
from easypay.transfer.errors import (
    CannotSendToYourself,
    RecipientCapExceeded,
    RecipientNotFound,
    TransferAlreadyResolved,
    TransferExpired,
    TransferNotFound,
)

RECEIVE = "received"
DECLINE = "declined"
CANCEL = "canceled"
RETURN = "returned"


@dataclass(frozen=True)
class Recipient:
    """Who a transfer is for: an EasyPay user, or a phone number nobody has joined with yet."""

    phone: str
    user: User | None


async def find_recipient(
    session: AsyncSession,
    sender: User,
    *,
    phone: str | None = None,
    user_id: int | None = None,
) -> Recipient:
    """By user id (a friend) or by phone number (anyone, even someone not yet on EasyPay)."""
    if user_id is not None:
        user = await identity_repository.user_by_id(session, user_id)
        if user is None or user.status != "active" or user.is_operator:
            raise RecipientNotFound("No such user.")
        recipient = Recipient(user.phone, user)
    else:
        e164 = parse_phone(phone or "")
        user = await identity_repository.user_by_phone(session, e164)
        if user is not None and (user.status != "active" or user.is_operator):
            raise RecipientNotFound()
        recipient = Recipient(e164, user)
    if recipient.phone == sender.phone:
        raise CannotSendToYourself()
    return recipient


async def send(
    session: AsyncSession,
    settings: Settings,
    sender: User,
    recipient: Recipient,
    amount: int,
    message: str,
    request_key: str,
) -> PersonTransfer:
    """Hold `amount` for the recipient and tell them. A retry of the same request (same key)
    answers with the transfer it made."""
    existing = await repository.transfer_by_key(session, request_key)
    if existing is not None:
        return existing
    now = clock.now()
    day = limits.day_of(now)
    await limits.count(session, settings, sender.id, amount, day)
    wallet = await ledger.user_wallet(session, sender.id)
    escrow = await ledger.system_account_id(session, TRANSFER_ESCROW)
    hold = await ledger.transfer(
        session,
        TransferRequest(
            debit_account_id=wallet.id,
            credit_account_id=escrow,
            amount=amount,
            code="transfer",
            pending=True,
            key=f"{request_key}:hold",
            reference=f"to:{recipient.phone}",
        ),
    )
    expires_at = now + timedelta(hours=settings.transfer_receive_hours)
    transfer = PersonTransfer(
        sender_id=sender.id,
        recipient_id=recipient.user.id if recipient.user else None,
        recipient_phone=recipient.phone,
        amount=amount,
        message=message,
        status="sent",
        request_key=request_key,
        hold_id=hold.id,
        limit_day=day,
        expires_at=expires_at,
        remind_at=expires_at - timedelta(hours=settings.transfer_reminder_hours),
        reminded_at=None,
        created_at=now,
        resolved_at=None,
    )
    session.add(transfer)
    await session.flush()
    if recipient.user is not None:
        await notify(
            session,
            recipient.user.id,
            "transfer.incoming",
            {"sender": sender.name, "amount": amount, "message": message},
            f"/transfers/{transfer.id}",
        )
    await record_event(session, sender.id, "transfer.sent", f"transfer {transfer.id}")
    return transfer


async def receive(
    session: AsyncSession, settings: Settings, user: User, transfer_id: int
) -> PersonTransfer:
    """The recipient takes the money: the hold is posted and escrow pays their wallet."""
    transfer = await _answer_as_recipient(session, user, transfer_id, RECEIVE)
    wallet = await ledger.user_wallet(session, user.id)
    # The post and the delivery lock their accounts each in id order, but not together: two
    # people receiving from each other at once would each hold one wallet and wait for the
    # other's (a deadlock, found by the issue-6 bank test). Lock all three in order first.
    held = await ledger_repository.transfer_by_id(session, transfer.hold_id)
    if held is not None:
        await ledger_repository.lock_accounts(
            session, [held.debit_account_id, held.credit_account_id, wallet.id]
        )
    hold = await ledger.post(session, transfer.hold_id, key=f"transfer:{transfer.id}:post")
    try:
        await ledger.transfer(
            session,
            TransferRequest(
                debit_account_id=hold.credit_account_id,  # the escrow shard the hold went to
                credit_account_id=wallet.id,
                amount=transfer.amount,
                code="transfer",
                key=f"transfer:{transfer.id}:deliver",
                reference=f"transfer:{transfer.id}",
                credit_cap=settings.money_holding_cap,
            ),
        )
    except CapExceeded as error:  # the whole transaction rolls back: still `sent`
        raise RecipientCapExceeded() from error
    await notify(
        session,
        transfer.sender_id,
        "transfer.received",
        {"recipient": user.name, "amount": transfer.amount},
        f"/transfers/{transfer.id}",
    )
    return await _reloaded(session, transfer)


async def decline(session: AsyncSession, user: User, transfer_id: int) -> PersonTransfer:
    """The recipient refuses the money: it goes back to the sender."""
    transfer = await _answer_as_recipient(session, user, transfer_id, DECLINE)
    await _give_back(session, transfer)
    await notify(
        session,
        transfer.sender_id,
        "transfer.declined",
        {"recipient": user.name, "amount": transfer.amount},
        f"/transfers/{transfer.id}",
    )
    return await _reloaded(session, transfer)


async def cancel(session: AsyncSession, user: User, transfer_id: int) -> PersonTransfer:
    """The sender takes the money back, until the recipient has received it."""
    transfer = await repository.transfer_visible_to(session, user, transfer_id)
    if transfer is None or transfer.sender_id != user.id:
        raise TransferNotFound()
    if not await repository.change_status(
        session, transfer.id, CANCEL, clock.now(), PersonTransfer.sender_id == user.id
    ):
        raise await _why_not(session, transfer)
    await _give_back(session, transfer)
    if transfer.recipient_id is not None:
        await notify(
            session,
            transfer.recipient_id,
            "transfer.canceled",
            {"sender": user.name, "amount": transfer.amount},
            f"/transfers/{transfer.id}",
        )
    return await _reloaded(session, transfer)


async def return_expired(session: AsyncSession, transfer_id: int) -> bool:
    """The worker's part: a transfer nobody received in time goes back. False when someone
    resolved it first (or it is not due)."""
    transfer = await session.get(PersonTransfer, transfer_id)
    if transfer is None:
        return False
    if not await repository.change_status(
        session, transfer.id, RETURN, clock.now(), PersonTransfer.expires_at <= clock.now()
    ):
        return False
    await _give_back(session, transfer)
    people = await repository.users_by_id(
        session,
        {transfer.sender_id} | ({transfer.recipient_id} if transfer.recipient_id else set()),
    )
    sender = people[transfer.sender_id]
    recipient_name = (
        people[transfer.recipient_id].name if transfer.recipient_id else transfer.recipient_phone
    )
    await notify(
        session,
        sender.id,
        "transfer.returned",
        {"recipient": recipient_name, "amount": transfer.amount},
        f"/transfers/{transfer.id}",
    )
    if transfer.recipient_id is not None:
        await notify(
            session,
            transfer.recipient_id,
            "transfer.expired",
            {"sender": sender.name, "amount": transfer.amount},
            f"/transfers/{transfer.id}",
        )
    return True


async def remind(session: AsyncSession, transfer_id: int) -> bool:
    """The worker's part: tell the recipient once, a day before the money goes back."""
    if not await repository.mark_reminded(session, transfer_id, clock.now()):
        return False
    transfer = await session.get(PersonTransfer, transfer_id)
    assert transfer is not None
    await session.refresh(transfer)
    recipient = None
    if transfer.recipient_id is not None:
        recipient = await identity_repository.user_by_id(session, transfer.recipient_id)
    else:
        recipient = await identity_repository.user_by_phone(session, transfer.recipient_phone)
    if recipient is None:
        return True  # nobody has joined with that number yet: nobody to remind
    sender = await identity_repository.user_by_id(session, transfer.sender_id)
    assert sender is not None
    await notify(
        session,
        recipient.id,
        "transfer.reminder",
        {
            "sender": sender.name,
            "amount": transfer.amount,
            "expires_at": transfer.expires_at.astimezone(limits.KST).strftime("%Y-%m-%d %H:%M"),
        },
        f"/transfers/{transfer.id}",
    )
    return True


async def transfer_of(session: AsyncSession, user: User, transfer_id: int) -> PersonTransfer:
    transfer = await repository.transfer_visible_to(session, user, transfer_id)
    if transfer is None:
        raise TransferNotFound()
    return transfer


async def _answer_as_recipient(
    session: AsyncSession, user: User, transfer_id: int, status: str
) -> PersonTransfer:
    """The recipient receives or declines: `sent` → `status`, if still sent and in time."""
    transfer = await repository.transfer_visible_to(session, user, transfer_id)
    if transfer is None or transfer.sender_id == user.id:
        raise TransferNotFound()
    now = clock.now()
    if not await repository.change_status(
        session,
        transfer.id,
        status,
        now,
        repository.addressed_to(user),
        PersonTransfer.expires_at > now,
        recipient_id=user.id,
    ):
        raise await _why_not(session, transfer)
    return transfer


async def _give_back(session: AsyncSession, transfer: PersonTransfer) -> None:
    # The daily total before the wallet, in the order `send` takes them (else a send and a
    # cancel by the same person at once deadlock).
    await limits.release(session, transfer.sender_id, transfer.amount, transfer.limit_day)
    await ledger.void(session, transfer.hold_id, key=f"transfer:{transfer.id}:void")


async def _why_not(session: AsyncSession, transfer: PersonTransfer) -> Exception:
    fresh = await _reloaded(session, transfer)
    if fresh.status == "sent" and fresh.expires_at <= clock.now():
        return TransferExpired()
    if fresh.status == RETURN:
        return TransferExpired()
    return TransferAlreadyResolved(f"This transfer has already been {fresh.status}.")


async def _reloaded(session: AsyncSession, transfer: PersonTransfer) -> PersonTransfer:
    await session.refresh(transfer)
    return transfer
