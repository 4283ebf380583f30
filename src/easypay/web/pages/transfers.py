"""Transfers: send to a friend, a phone number or a bank account (choose, review with the PIN,
result), one transfer with receive / decline / cancel, and the list of my transfers.

A send takes two posts: the first checks the recipient (the bank names an account's holder)
and shows the confirm step; the second, with the PIN and a one-time key, moves the money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError, NotFound
from easypay.identity import service as identity
from easypay.identity.service import Principal
from easypay.kit.clock import clock
from easypay.kit.ids import PathId
from easypay.kit.money import format_krw
from easypay.models import BankOperation, PersonTransfer, User
from easypay.money import repository as money_repository
from easypay.money import service as money
from easypay.money.banks import BANK_NAMES
from easypay.money.dependencies import bank_of
from easypay.money.errors import BankDeclined
from easypay.transfer import limits, repository
from easypay.transfer.errors import RecipientNotFound
from easypay.transfer.service import bank as bank_transfer
from easypay.transfer.service import funding, person
from easypay.web import csrf
from easypay.web.forms import parse_amount, parse_id, read_form, valid_nonce
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import is_htmx, redirect, render, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()

Target = Literal["friend", "phone", "bank"]
TARGETS: tuple[Target, ...] = ("friend", "phone", "bank")
MESSAGE_LENGTH = 40
PAGE_SIZE = 20
WAITING_SHOWN = 20
FORM_FIELDS = ("to", "friend_id", "phone", "bank_code", "account_number", "amount", "message")


class Refused(Exception):
    """A form value the page refuses before any service runs (shown on the form)."""


@dataclass(frozen=True)
class Draft:
    """What the visitor asked to send, read from the form."""

    to: Target
    friend_id: int | None
    phone: str
    bank_code: str
    account_number: str
    amount: int
    message: str


@dataclass(frozen=True)
class Payee:
    """Whom a draft sends to, as checked: a person (maybe not on EasyPay yet) or an account."""

    name: str
    phone: str = ""
    member: bool = True
    bank_code: str = ""
    account_number: str = ""


def _kept(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "") for name in FORM_FIELDS}


def _draft(form: dict[str, str], lang: str) -> Draft:
    to: Target = "phone"
    for target in TARGETS:
        if form.get("to") == target:
            to = target
    friend_id = parse_id(form.get("friend_id"))
    phone = form.get("phone", "")
    bank_code = form.get("bank_code", "")
    account_number = form.get("account_number", "")
    message = form.get("message", "")
    if to == "friend" and friend_id is None:
        raise Refused(translate("send.choose_friend", lang))
    if to == "phone" and not phone:
        raise Refused(translate("send.bad_phone", lang))
    if to == "bank" and bank_code not in BANK_NAMES:
        raise Refused(translate("send.choose_bank", lang))
    if to == "bank" and not account_number:
        raise Refused(translate("send.bad_account", lang))
    amount = parse_amount(form.get("amount", ""))
    if amount is None or amount == 0:
        raise Refused(translate("move.bad_amount", lang))
    if len(message) > MESSAGE_LENGTH:
        raise Refused(translate("send.message_too_long", lang))
    return Draft(to, friend_id, phone, bank_code, account_number, amount, message)


async def _friend(session: AsyncSession, user: User, friend_id: int | None) -> User:
    for _, other in await identity.list_friends(session, user):
        if other.id == friend_id:
            return other
    raise RecipientNotFound("This user is not your friend; send by phone number.")


async def _recipient(session: AsyncSession, user: User, draft: Draft) -> person.Recipient:
    if draft.to == "friend":
        friend = await _friend(session, user, draft.friend_id)
        return await person.find_recipient(session, user, user_id=friend.id)
    return await person.find_recipient(session, user, phone=draft.phone)


async def _payee(
    request: Request, session: AsyncSession, user: User, draft: Draft
) -> tuple[Payee, person.Recipient | None]:
    """Check the recipient: a friend, anyone by phone number, or a bank account's holder."""
    if draft.to == "bank":
        account = await bank_transfer.inquire(
            bank_of(request), draft.bank_code, draft.account_number
        )
        payee = Payee(
            account.holder_name, bank_code=account.bank_code, account_number=account.account_number
        )
        return payee, None
    recipient = await _recipient(session, user, draft)
    if recipient.user is not None:
        return Payee(recipient.user.name, recipient.phone), recipient
    return Payee("", recipient.phone, member=False), recipient


# --- send ---------------------------------------------------------------------------------------


async def _send_page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    user = principal.user
    friends = [other for _, other in await identity.list_friends(db, user)]
    if form is None:  # a fresh form, or "change" from the confirm step (values in the query)
        form = {name: request.query_params.get(name, "")[:100] for name in FORM_FIELDS}
    form = dict(form)
    to = form.get("to") or ("friend" if friends else "phone")
    form["to"] = to if to in TARGETS else "phone"
    context: dict[str, Any] = {
        "friends": friends,
        "banks": list(BANK_NAMES.items()),
        "balance": await money.balance(db, user),
        "form": form,
        "error": error,
        "message_length": MESSAGE_LENGTH,
    }
    return await render(request, "transfers/send.html", context, status_code)


async def _confirm_page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    draft: Draft,
    payee: Payee,
    form: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
    nonce: str | None = None,
) -> Response:
    user = principal.user
    balance = await money.balance(db, user)
    context: dict[str, Any] = {
        "draft": draft,
        "payee": payee,
        "form": form,
        "balance": balance,
        "short": max(0, draft.amount - balance.available),
        "hours": settings_of(request).transfer_receive_hours,
        "nonce": nonce or csrf.new_nonce(),
        "error": error,
    }
    return await render(request, "transfers/confirm.html", context, status_code)


@router.get("/transfers/send")
async def send_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    if principal.user.pin_hash is None:
        return await redirect(request, "/pin/set?next=/transfers/send")
    return await _send_page(request, db, principal)


@router.post("/transfers/send/review")
async def review(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    kept = _kept(form)
    user, lang = principal.user, visitor.lang
    try:
        draft = _draft(form, lang)
        limits.check_amount(settings_of(request), draft.amount)
        payee, _ = await _payee(request, db, user, draft)
        available = (await money.balance(db, user)).available
        if draft.amount > available and not user.auto_charge_enabled:
            raise Refused(translate("send.short", lang, amount=format_krw(available)))
    except Refused as refusal:
        return await _send_page(request, db, principal, kept, str(refusal), 422)
    except EasyPayError as failure:
        await db.rollback()
        return await _send_page(
            request, db, principal, kept, error_text(failure, lang), failure.status
        )
    return await _confirm_page(request, db, principal, draft, payee, kept)


@router.post("/transfers/send")
async def send(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    kept = _kept(form)
    user, lang = principal.user, visitor.lang
    settings = settings_of(request)
    database, bank = database_of(request), bank_of(request)
    pin, nonce = form.get("pin", "").strip(), form.get("nonce", "")
    try:
        draft = _draft(form, lang)
    except Refused as refusal:
        return await _send_page(request, db, principal, kept, str(refusal), 422)
    if not valid_nonce(nonce):
        return await _send_page(request, db, principal, kept, translate("error.csrf", lang), 422)
    key = f"web:{user.id}:{nonce}"
    # The recipient first (a refusal there spends no PIN attempt), then the PIN, then the
    # auto-charge, each in its own transaction: the request's session stays unused until the
    # money moves (on SQLite it would hold the write lock the others need).
    payee: Payee | None = None
    recipient: person.Recipient | None = None
    try:
        async with database.transaction() as session:
            payee, recipient = await _payee(request, session, user, draft)
        if len(pin) != 6 or not pin.isdigit():
            raise Refused(translate("move.pin_required", lang))
        await identity.check_pin(database, settings, user.id, pin)
        if draft.to == "bank":
            await funding.cover(database, bank, settings, user, draft.amount, f"{key}:charge")
            operation = await bank_transfer.send(
                database,
                bank,
                settings,
                user,
                draft.bank_code,
                draft.account_number,
                draft.amount,
                draft.message,
                f"{key}:bank-transfer",
            )
            return await redirect(request, f"/transfers/bank/{operation.id}")
        assert recipient is not None
        await funding.cover(database, bank, settings, user, draft.amount, f"{key}:charge")
        transfer = await person.send(
            db, settings, user, recipient, draft.amount, draft.message, f"{key}:transfer"
        )
    except Refused as refusal:
        if payee is None:
            return await _send_page(request, db, principal, kept, str(refusal), 422)
        return await _confirm_page(
            request, db, principal, draft, payee, kept, str(refusal), 422, nonce
        )
    except EasyPayError as failure:
        await db.rollback()
        if isinstance(failure, BankDeclined):  # the bank refused the transfer: money came back
            failed = await money_repository.operation_by_key(db, f"{key}:bank-transfer")
            if failed is not None:
                return await redirect(request, f"/transfers/bank/{failed.id}")
        error = error_text(failure, lang)
        if payee is None:
            return await _send_page(request, db, principal, kept, error, failure.status)
        return await _confirm_page(
            request, db, principal, draft, payee, kept, error, failure.status, nonce
        )
    return await redirect(request, with_notice(f"/transfers/{transfer.id}", "transfer_sent"))


@router.post("/transfers/inquiry")
async def inquiry(request: Request, principal: WebPrincipal, visitor: CurrentVisitor) -> Response:
    """The holder's name for the send form (an htmx partial)."""
    form = await read_form(request)
    holder, error = None, None
    try:
        account = await bank_transfer.inquire(
            bank_of(request), form.get("bank_code", ""), form.get("account_number", "")
        )
        holder = account.holder_name
    except EasyPayError as failure:
        error = error_text(failure, visitor.lang)
    return await render(request, "transfers/_holder.html", {"holder": holder, "error": error})


# --- one transfer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferView:
    transfer: PersonTransfer
    sender: User
    recipient: User | None
    mine: bool  # I sent it

    @property
    def recipient_name(self) -> str:
        return self.recipient.name if self.recipient else ""

    @property
    def expired(self) -> bool:
        return self.transfer.status == "sent" and self.transfer.expires_at <= clock.now()

    @property
    def can_receive(self) -> bool:
        return self.transfer.status == "sent" and not self.mine and not self.expired

    @property
    def can_cancel(self) -> bool:
        return self.transfer.status == "sent" and self.mine


async def _views(
    session: AsyncSession, user: User, transfers: list[PersonTransfer]
) -> list[TransferView]:
    ids = {t.sender_id for t in transfers} | {t.recipient_id for t in transfers if t.recipient_id}
    people = await repository.users_by_id(session, ids)
    return [
        TransferView(
            t, people[t.sender_id], people.get(t.recipient_id or 0), t.sender_id == user.id
        )
        for t in transfers
    ]


async def _detail_page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    transfer_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    user = principal.user
    transfer = await person.transfer_of(db, user, transfer_id)
    [view] = await _views(db, user, [transfer])
    context = {
        "view": view,
        "balance": await money.balance(db, user),
        "hours": settings_of(request).transfer_receive_hours,
        "error": error,
    }
    return await render(request, "transfers/detail.html", context, status_code)


@router.get("/transfers/{transfer_id}")
async def transfer_page(
    request: Request, transfer_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    return await _detail_page(request, db, principal, transfer_id)


async def _transition(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    lang: str,
    transfer_id: int,
    action: Literal["receive", "decline", "cancel"],
) -> Response:
    user = principal.user
    try:
        if action == "receive":
            await person.receive(db, settings_of(request), user, transfer_id)
        elif action == "decline":
            await person.decline(db, user, transfer_id)
        else:
            await person.cancel(db, user, transfer_id)
    except EasyPayError as failure:
        await db.rollback()
        if isinstance(failure, NotFound):
            raise
        error = error_text(failure, lang)
        return await _detail_page(request, db, principal, transfer_id, error, failure.status)
    notice = {"receive": "transfer_received", "decline": "transfer_declined"}.get(
        action, "transfer_canceled"
    )
    return await redirect(request, with_notice(f"/transfers/{transfer_id}", notice))


@router.post("/transfers/{transfer_id}/receive")
async def receive(
    request: Request,
    transfer_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _transition(request, db, principal, visitor.lang, transfer_id, "receive")


@router.post("/transfers/{transfer_id}/decline")
async def decline(
    request: Request,
    transfer_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _transition(request, db, principal, visitor.lang, transfer_id, "decline")


@router.post("/transfers/{transfer_id}/cancel")
async def cancel(
    request: Request,
    transfer_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _transition(request, db, principal, visitor.lang, transfer_id, "cancel")


# --- transfers to bank accounts -----------------------------------------------------------------


@router.get("/transfers/bank/{operation_id}")
async def bank_transfer_page(
    request: Request, operation_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    user = principal.user
    operation = await bank_transfer.bank_transfer_of(db, user, operation_id)
    context = {"operation": operation, "balance": await money.balance(db, user)}
    template = "transfers/_bank_status.html" if is_htmx(request) else "transfers/bank.html"
    return await render(request, template, context)


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the list: a transfer to or from a person, or to a bank account."""

    when: datetime
    person: TransferView | None = None
    bank: BankOperation | None = None


@router.get("/transfers")
async def transfers_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    user = principal.user
    query = request.query_params
    people_cursor, bank_cursor = parse_id(query.get("p")), parse_id(query.get("b"))
    paging = "p" in query or "b" in query
    transfers = await repository.transfers_of(db, user, "all", None, people_cursor, PAGE_SIZE + 1)
    operations = await bank_transfer.bank_transfers_of(db, user, bank_cursor, PAGE_SIZE + 1)
    entries = [
        Entry(view.transfer.created_at, person=view) for view in await _views(db, user, transfers)
    ]
    entries += [Entry(operation.created_at, bank=operation) for operation in operations]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    shown = entries[:PAGE_SIZE]
    more_query = None
    if len(entries) > PAGE_SIZE:
        # Each kind resumes below the last one of its kind shown (or where it was).
        people_ids = [e.person.transfer.id for e in shown if e.person]
        bank_ids = [e.bank.id for e in shown if e.bank]
        more = {
            "p": str(min(people_ids)) if people_ids else query.get("p", ""),
            "b": str(min(bank_ids)) if bank_ids else query.get("b", ""),
        }
        more_query = urlencode(more)
    context: dict[str, Any] = {"entries": shown, "more_query": more_query}
    if is_htmx(request) and paging:
        return await render(request, "transfers/_page.html", context)
    waiting = await repository.transfers_of(db, user, "received", "sent", None, WAITING_SHOWN)
    context["waiting"] = [view for view in await _views(db, user, waiting) if not view.expired]
    return await render(request, "transfers/list.html", context)
