"""Money requests and dutch pay (정산하기): ask friends or phone numbers for amounts, split a
bill (evenly, with the remainder rule stated, or by amounts), the board of who paid, and paying
(with the PIN), declining or closing."""

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
from easypay.models import MoneyRequestItem, User
from easypay.money import service as money
from easypay.money.dependencies import bank_of
from easypay.transfer.errors import RecipientNotFound, SharesDoNotAddUp
from easypay.transfer.service import funding, person, requests
from easypay.transfer.service.requests import RequestView, even_shares
from easypay.web import csrf
from easypay.web.forms import parse_amount, parse_id, read_form, valid_nonce
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import KST, is_htmx, redirect, render, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()

PHONE_ROWS = 3
PAGE_SIZE = 20
TITLE_LENGTH = 40
Mode = Literal["request", "dutch"]


class Refused(Exception):
    """A form value refused before any service runs (shown on the form)."""


@dataclass(frozen=True)
class Pick:
    """One person chosen on a form, with the amount typed for them (if any)."""

    user: User
    amount: int | None


def _amount_key(mode: Mode, kind: str, ref: object) -> str:
    return f"{'amount' if mode == 'request' else 'share'}_{kind}_{ref}"


async def _picks(
    session: AsyncSession, user: User, form: dict[str, str], lang: str, mode: Mode
) -> list[Pick]:
    """The people chosen, in order: friends (as listed), then the phone numbers entered.
    A request picks a friend by giving them an amount; a dutch pay by ticking them."""
    picks: list[Pick] = []
    chosen: list[tuple[str, str, str]] = []  # (label, how, raw amount)
    for _, friend in await identity.list_friends(session, user):
        raw = form.get(_amount_key(mode, "friend", friend.id), "")
        if (mode == "request" and raw) or (mode == "dutch" and form.get(f"friend_{friend.id}")):
            chosen.append((friend.name, f"id:{friend.id}", raw))
    for row in range(1, PHONE_ROWS + 1):
        phone = form.get(f"phone_{row}", "")
        if phone:
            chosen.append((phone, f"phone:{phone}", form.get(_amount_key(mode, "phone", row), "")))
    for label, how, raw in chosen:
        amount = parse_amount(raw) if raw else None
        if (raw and not amount) or (mode == "request" and amount is None):
            raise Refused(translate("requests.bad_amount_for", lang, name=label))
        try:
            if how.startswith("id:"):
                found = await person.find_recipient(session, user, user_id=int(how[3:]))
            else:
                found = await person.find_recipient(session, user, phone=how[6:])
        except EasyPayError as failure:
            raise Refused(f"{label}: {error_text(failure, lang)}") from failure
        if found.user is None:
            raise Refused(f"{label}: {error_text(RecipientNotFound(), lang)}")
        if any(pick.user.id == found.user.id for pick in picks):
            raise Refused(translate("requests.twice", lang))
        picks.append(Pick(found.user, amount))
    return picks


def _remind_at(form: dict[str, str], lang: str) -> datetime | None:
    raw = form.get("remind_at", "")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Refused(translate("requests.bad_remind", lang)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)  # the visitor types Korean time
    if moment <= clock.now():
        raise Refused(translate("requests.bad_remind", lang))
    return moment


def _title(form: dict[str, str]) -> str:
    return form.get("title", "")[:TITLE_LENGTH]


async def _form_page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    mode: Mode,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
    preview: dict[str, Any] | None = None,
) -> Response:
    friends = [other for _, other in await identity.list_friends(db, principal.user)]
    fresh = form is None
    form = dict(form or {})
    if fresh and mode == "dutch":
        form.update(include_me="on", split="even")
    nonce = form.get("nonce") if valid_nonce(form.get("nonce", "")) else None
    context: dict[str, Any] = {
        "friends": friends,
        "form": form,
        "rows": range(1, PHONE_ROWS + 1),
        "nonce": nonce or csrf.new_nonce(),
        "error": error,
        "preview": preview,
        "title_length": TITLE_LENGTH,
    }
    template = "requests/new.html" if mode == "request" else "requests/dutch.html"
    return await render(request, template, context, status_code)


# --- request money ------------------------------------------------------------------------------


@router.get("/requests/new")
async def new_request_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    return await _form_page(request, db, principal, "request")


@router.post("/requests/new")
async def create_request(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    user, lang = principal.user, visitor.lang
    try:
        if not valid_nonce(form.get("nonce", "")):
            raise Refused(translate("error.csrf", lang))
        picks = await _picks(db, user, form, lang, "request")
        if not picks:
            raise Refused(translate("requests.nobody", lang))
        remind_at = _remind_at(form, lang)
        made = await requests.ask(
            db,
            user,
            [(pick.user, pick.amount or 0) for pick in picks],
            _title(form),
            f"web:{user.id}:{form['nonce']}:request",
            remind_at,
        )
    except Refused as refusal:
        await db.rollback()
        return await _form_page(request, db, principal, "request", form, str(refusal), 422)
    except EasyPayError as failure:
        await db.rollback()
        error = error_text(failure, lang)
        return await _form_page(request, db, principal, "request", form, error, failure.status)
    return await redirect(request, with_notice(f"/requests/{made.id}", "request_sent"))


# --- dutch pay ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """A dutch pay as the form describes it, with each share worked out."""

    total: int
    picks: list[Pick]
    include_me: bool
    even: bool
    my_amount: int
    shares: list[int]

    @property
    def sum(self) -> int:
        return self.my_amount + sum(self.shares)


async def _split(session: AsyncSession, user: User, form: dict[str, str], lang: str) -> Split:
    total = parse_amount(form.get("total", ""))
    if not total:
        raise Refused(translate("dutch.bad_total", lang))
    picks = await _picks(session, user, form, lang, "dutch")
    if not picks:
        raise Refused(translate("dutch.nobody", lang))
    include_me = form.get("include_me") == "on"
    if form.get("split") != "amounts":
        people = len(picks) + (1 if include_me else 0)
        if total < people:
            raise Refused(error_text(SharesDoNotAddUp(), lang))
        own, shares = even_shares(total, len(picks), include_me)
        return Split(total, picks, include_me, True, own, shares)
    if any(pick.amount is None for pick in picks):
        raise Refused(translate("dutch.need_amounts", lang))
    own = 0
    if include_me:
        raw = form.get("my_amount", "") or "0"
        parsed = parse_amount(raw)
        if parsed is None:
            raise Refused(
                translate("requests.bad_amount_for", lang, name=translate("dutch.me", lang))
            )
        own = parsed
    return Split(total, picks, include_me, False, own, [pick.amount or 0 for pick in picks])


def _preview(split: Split | None, error: str | None) -> dict[str, Any]:
    return {"split": split, "error": error}


@router.get("/requests/dutch/new")
async def new_dutch_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    return await _form_page(request, db, principal, "dutch")


@router.post("/requests/dutch/preview")
async def dutch_preview(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    """The shares as the form stands (an htmx partial, refreshed as the visitor types)."""
    form = await read_form(request)
    try:
        preview = _preview(await _split(db, principal.user, form, visitor.lang), None)
    except Refused as refusal:
        preview = _preview(None, str(refusal))
    return await render(request, "requests/_shares.html", {"preview": preview})


@router.post("/requests/dutch/new")
async def create_dutch(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    user, lang = principal.user, visitor.lang
    try:
        split = await _split(db, user, form, lang)
        if form.get("action") == "preview":
            preview = _preview(split, None)
            return await _form_page(request, db, principal, "dutch", form, preview=preview)
        if not valid_nonce(form.get("nonce", "")):
            raise Refused(translate("error.csrf", lang))
        made = await requests.split_bill(
            db,
            user,
            [pick.user for pick in split.picks],
            split.total,
            _title(form),
            f"web:{user.id}:{form['nonce']}:dutch",
            organiser_takes_part=split.include_me,
            amounts=None if split.even else split.shares,
            organiser_amount=0 if split.even else split.my_amount,
            remind_at=_remind_at(form, lang),
        )
    except Refused as refusal:
        await db.rollback()
        preview = _preview(None, str(refusal))
        return await _form_page(
            request, db, principal, "dutch", form, str(refusal), 422, preview=preview
        )
    except EasyPayError as failure:
        await db.rollback()
        error = error_text(failure, lang)
        return await _form_page(request, db, principal, "dutch", form, error, failure.status)
    return await redirect(request, with_notice(f"/requests/{made.id}", "request_sent"))


# --- one request --------------------------------------------------------------------------------


def _mine(view: RequestView, user: User) -> MoneyRequestItem | None:
    return next((item for item, payer in view.items if payer.id == user.id), None)


async def _detail_page(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    request_id: int,
    error: str | None = None,
    status_code: int = 200,
    nonce: str | None = None,
) -> Response:
    user = principal.user
    view = await requests.view(db, user, request_id)
    mine = _mine(view, user)
    is_open = view.request.status == "open"
    context: dict[str, Any] = {
        "view": view,
        "own": view.request.requester_id == user.id,
        "my_item": mine,
        "can_pay": is_open and mine is not None and mine.status == "pending",
        "paid_count": sum(1 for item, _ in view.items if item.status == "paid"),
        "balance": await money.balance(db, user),
        "nonce": nonce or csrf.new_nonce(),
        "error": error,
    }
    return await render(request, "requests/detail.html", context, status_code)


@router.get("/requests/{request_id}")
async def request_page(
    request: Request, request_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    return await _detail_page(request, db, principal, request_id)


@router.post("/requests/{request_id}/pay")
async def pay(
    request: Request,
    request_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    form = await read_form(request)
    user, lang = principal.user, visitor.lang
    settings, database = settings_of(request), database_of(request)
    pin, nonce = form.get("pin", ""), form.get("nonce", "")
    if len(pin) != 6 or not pin.isdigit() or not valid_nonce(nonce):
        error = translate("move.pin_required", lang)
        return await _detail_page(request, db, principal, request_id, error, 422, nonce)
    try:
        # As in the API: the PIN, then the auto-charge, each in its own transaction, before the
        # request's session is used (on SQLite it would hold the write lock they need).
        await identity.check_pin(database, settings, user.id, pin)
        async with database.transaction() as session:
            asked = await requests.view(session, user, request_id)
        mine = _mine(asked, user)
        if mine is not None and mine.status == "pending":
            await funding.cover(
                database, bank_of(request), settings, user, mine.amount, f"web:{user.id}:{nonce}"
            )
        await requests.pay(db, settings, user, request_id)
    except EasyPayError as failure:
        await db.rollback()
        if isinstance(failure, NotFound):
            raise
        error = error_text(failure, lang)
        return await _detail_page(request, db, principal, request_id, error, failure.status, nonce)
    return await redirect(request, with_notice(f"/requests/{request_id}", "request_paid"))


async def _answer(
    request: Request,
    db: AsyncSession,
    principal: Principal,
    lang: str,
    request_id: int,
    action: Literal["decline", "close"],
) -> Response:
    try:
        if action == "decline":
            await requests.decline(db, principal.user, request_id)
        else:
            await requests.close(db, principal.user, request_id)
    except EasyPayError as failure:
        await db.rollback()
        if isinstance(failure, NotFound):
            raise
        error = error_text(failure, lang)
        return await _detail_page(request, db, principal, request_id, error, failure.status)
    notice = "request_declined" if action == "decline" else "request_closed"
    return await redirect(request, with_notice(f"/requests/{request_id}", notice))


@router.post("/requests/{request_id}/decline")
async def decline(
    request: Request,
    request_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _answer(request, db, principal, visitor.lang, request_id, "decline")


@router.post("/requests/{request_id}/close")
async def close(
    request: Request,
    request_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _answer(request, db, principal, visitor.lang, request_id, "close")


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    view: RequestView
    own: bool
    my_item: MoneyRequestItem | None

    @property
    def my_turn(self) -> bool:
        return (
            self.view.request.status == "open"
            and self.my_item is not None
            and self.my_item.status == "pending"
        )


@router.get("/requests")
async def requests_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    user = principal.user
    cursor = parse_id(request.query_params.get("cursor"))
    found = await requests.requests_of(db, user, "all", cursor, PAGE_SIZE + 1)
    rows = []
    for made in found[:PAGE_SIZE]:
        view = await requests.view(db, user, made.id)
        rows.append(Row(view, made.requester_id == user.id, _mine(view, user)))
    more_query = None
    if len(found) > PAGE_SIZE:
        more_query = urlencode({"cursor": str(rows[-1].view.request.id)})
    context = {"rows": rows, "more_query": more_query}
    template = "requests/_page.html" if is_htmx(request) and cursor else "requests/list.html"
    return await render(request, template, context)
