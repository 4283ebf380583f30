"""Certificates: status and actions, history with log proofs, signature requests.

The actions are the API's (certificate/actions.py: the same authorisation, the same committed
refusals); these pages only read the forms and show the outcome. POST handlers never touch the
request's own session: on SQLite it would hold the write lock those transactions need.

A refused action shows the certificate page again with the error and the refusal's 4xx status;
another user's certificate, event or request is the 404 page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import actions, repository, service, sign_requests
from easypay.certificate import errors as cert_errors
from easypay.certificate.pki import errors as pki_errors
from easypay.certificate.pki.custody import is_valid_pin
from easypay.certificate.sign_endpoints import ReceiptId
from easypay.certificate.sign_requests import SignRequestNotFound
from easypay.certificate.tlog import store
from easypay.certificate.tlog.checkpoint import NoteError, verifier_key, verify_checkpoint
from easypay.certificate.tlog.key import load_log_key, log_origin
from easypay.certificate.tlog.merkle import leaf_hash, verify_inclusion
from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError, NotFound
from easypay.identity.service import Principal
from easypay.kit.clock import as_utc, clock
from easypay.kit.ids import PathId
from easypay.models import Certificate, CertificateEvent, SignRequest, User
from easypay.web.forms import read_form
from easypay.web.i18n import MESSAGES, error_text, translate
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import error_page, page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal, settings_of

router = page_router()

HOME = "/certificates"
REISSUE_REASONS = tuple(service.REISSUE_REASONS)
_TRIES_LEFT = re.compile(r"(\d+) tries left")


class Refused(Exception):
    """A form value refused before any service runs (422, shown on the form)."""


class EventNotFound(NotFound):
    code = "CertificateEventNotFound"
    message = "No such certificate event."


# --- views --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateView:
    certificate: Certificate
    state: str  # active | locked | suspended | expired | revoked | deleted
    days_left: int
    renewal_from: datetime
    in_window: bool

    @classmethod
    def of(cls, certificate: Certificate, now: datetime) -> CertificateView:
        not_after = as_utc(certificate.not_after)
        state = certificate.status
        if state == "active" and certificate.locked_at is not None:
            state = "locked"
        elif state == "active" and now >= not_after:
            state = "expired"
        renewal_from = not_after - service.RENEWAL_WINDOW
        return cls(
            certificate=certificate,
            state=state,
            days_left=max(0, (not_after - now).days),
            renewal_from=renewal_from,
            in_window=now >= renewal_from,
        )

    @property
    def can_renew(self) -> bool:
        c = self.certificate
        return (
            c.status == "active"
            and c.locked_at is None
            and c.custody == "server"
            and self.in_window
        )

    @property
    def panels(self) -> tuple[str, ...]:
        """The actions whose forms the page shows for this certificate."""
        shown = {
            "restore": self.can_restore,
            "renew": self.can_renew,
            "reissue": True,
            "suspend": self.can_suspend,
            "delete": True,
        }
        return tuple(name for name, show in shown.items() if show)

    @property
    def can_suspend(self) -> bool:
        return self.certificate.status == "active"

    @property
    def can_restore(self) -> bool:
        c = self.certificate
        return c.status == "suspended" or (c.status == "active" and c.locked_at is not None)


async def _not_found(request: Request, failure: NotFound, lang: str) -> Response:
    """The 404 page, in the visitor's language."""
    text = _refusal_text(failure, lang)
    return await error_page(request, failure.status, "error.not_found_title", text)


def _refusal_text(failure: EasyPayError, lang: str) -> str:
    """A certificate refusal in the visitor's language; the payment PIN's via `error_text`."""
    key = f"certificates.error.{failure.code}"
    if key not in MESSAGES:
        return error_text(failure, lang)
    text = translate(key, lang)
    if isinstance(failure, pki_errors.WrongPin):
        left = _TRIES_LEFT.search(failure.detail)
        if left:
            text += " " + translate("certificates.tries_left", lang, count=int(left.group(1)))
    return text


async def _status_page(
    request: Request,
    user: User,
    error: str | None = None,
    status_code: int = 200,
    action: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The certificate page, read in its own short transaction (see the module docstring)."""
    now = clock.now()
    async with database_of(request).transaction() as session:
        certificates = await repository.all_of(session, user.id)
        pending = await sign_requests.pending_of(session, user.id)
    current = next((c for c in certificates if c.status in ("active", "suspended")), None)
    view = CertificateView.of(current, now) if current else None
    if action not in (view.panels if view else ("issue",)):
        action = None  # its form is not on the page: the error goes at the top
    context: dict[str, Any] = {
        "current": view,
        "past": [CertificateView.of(c, now) for c in certificates if c is not current],
        "pending_count": len(pending),
        "error": error,
        "action": action,
        "form": {"reason": (form or {}).get("reason", "")},
        "reasons": REISSUE_REASONS,
    }
    return await render(request, "certificates/index.html", context, status_code)


def _digits(value: str, key: str, lang: str) -> str:
    if not is_valid_pin(value):
        raise Refused(translate(key, lang))
    return value


def _new_pin(form: dict[str, str], lang: str) -> str:
    pin = _digits(form.get("new_pin", ""), "certificates.bad_cert_pin", lang)
    if form.get("new_pin_confirm", "") != pin:
        raise Refused(translate("certificates.cert_pin_mismatch", lang))
    return pin


def _payment_pin(form: dict[str, str], lang: str) -> str:
    return _digits(form.get("payment_pin", ""), "certificates.bad_payment_pin", lang)


Action = Callable[[dict[str, str]], Awaitable[None]]


async def _perform(
    request: Request, principal: Principal, lang: str, action: str, run: Action
) -> Response:
    """Read the form and run one action (certificate/actions.py); a refusal re-renders the page
    with its message and status. Another user's certificate is the 404 page."""
    form = await read_form(request)
    try:
        await run(form)
    except Refused as refusal:
        return await _status_page(request, principal.user, str(refusal), 422, action, form)
    except cert_errors.CertificateNotFound as missing:
        return await _not_found(request, missing, lang)
    except EasyPayError as failure:
        text = _refusal_text(failure, lang)
        return await _status_page(request, principal.user, text, failure.status, action, form)
    return await redirect(request, with_notice(HOME, f"certificates.{_DONE[action]}"))


_DONE = {
    "issue": "issued",
    "renew": "renewed",
    "reissue": "reissued",
    "suspend": "suspended",
    "restore": "restored",
    "delete": "deleted",
}


# --- status and actions -------------------------------------------------------------------------


@router.get("/certificates")
async def certificates_page(request: Request, principal: WebPrincipal) -> Response:
    if principal.user.pin_hash is None:
        return await redirect(request, "/pin/set?next=/certificates")
    return await _status_page(request, principal.user)


@router.post("/certificates/issue")
async def issue(request: Request, principal: WebPrincipal, visitor: CurrentVisitor) -> Response:
    user, lang, settings = principal.user, visitor.lang, settings_of(request)

    async def run(form: dict[str, str]) -> None:
        pin = _new_pin(form, lang)
        payment_pin = _payment_pin(form, lang)
        key = service.KeyRequest(pin=pin)
        await actions.issue(database_of(request), settings, user, key, payment_pin)

    return await _perform(request, principal, lang, "issue", run)


@router.post("/certificates/{certificate_id}/renew")
async def renew(
    request: Request, certificate_id: PathId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    user, lang, settings = principal.user, visitor.lang, settings_of(request)

    async def run(form: dict[str, str]) -> None:
        key = service.KeyRequest(
            pin=_digits(form.get("pin", ""), "certificates.bad_cert_pin", lang)
        )
        payment_pin = _payment_pin(form, lang)
        database = database_of(request)
        await actions.renew(database, settings, user, certificate_id, key, payment_pin)

    return await _perform(request, principal, lang, "renew", run)


@router.post("/certificates/{certificate_id}/reissue")
async def reissue(
    request: Request, certificate_id: PathId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    user, lang, settings = principal.user, visitor.lang, settings_of(request)

    async def run(form: dict[str, str]) -> None:
        reason = form.get("reason", "")
        if reason not in REISSUE_REASONS:
            raise Refused(translate("certificates.choose_reason", lang))
        key = service.KeyRequest(pin=_new_pin(form, lang))
        payment_pin = _payment_pin(form, lang)
        database = database_of(request)
        await actions.reissue(database, settings, user, certificate_id, key, reason, payment_pin)

    return await _perform(request, principal, lang, "reissue", run)


@router.post("/certificates/{certificate_id}/suspend")
async def suspend(
    request: Request, certificate_id: PathId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    async def run(form: dict[str, str]) -> None:
        settings = settings_of(request)
        await actions.suspend(database_of(request), settings, principal.user, certificate_id)

    return await _perform(request, principal, visitor.lang, "suspend", run)


@router.post("/certificates/{certificate_id}/restore")
async def restore(
    request: Request, certificate_id: PathId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    user, lang, settings = principal.user, visitor.lang, settings_of(request)

    async def run(form: dict[str, str]) -> None:
        payment_pin = _payment_pin(form, lang)
        await actions.restore(database_of(request), settings, user, certificate_id, payment_pin)

    return await _perform(request, principal, lang, "restore", run)


@router.post("/certificates/{certificate_id}/delete")
async def delete(
    request: Request, certificate_id: PathId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    user, lang, settings = principal.user, visitor.lang, settings_of(request)

    async def run(form: dict[str, str]) -> None:
        payment_pin = _payment_pin(form, lang)
        database = database_of(request)
        if form.get("understand") != "yes":
            # Not found first, like every other refusal of another user's certificate.
            async with database.transaction() as session:
                await service.get_mine(session, user.id, certificate_id)
            raise Refused(translate("certificates.confirm_delete", lang))
        await actions.delete(database, settings, user, certificate_id, payment_pin)

    return await _perform(request, principal, lang, "delete", run)


# --- history and proofs -------------------------------------------------------------------------


async def _events(
    session: AsyncSession, user_id: int
) -> tuple[list[CertificateEvent], dict[int, Certificate]]:
    certificates = {c.id: c for c in await repository.all_of(session, user_id)}
    events = await repository.events_of(session, user_id, list(certificates))
    return sorted(events, key=lambda e: e.id, reverse=True), certificates


@router.get("/certificates/history")
async def history_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    events, certificates = await _events(db, principal.user.id)
    context = {"events": events, "certificates": certificates}
    return await render(request, "certificates/history.html", context)


@dataclass(frozen=True)
class Proof:
    leaf_data: str
    leaf_hex: str
    leaf_hash: str
    path: list[str]
    tree_size: int
    checkpoint: str
    verifier_key: str
    verified: bool


async def _proof(session: AsyncSession, request: Request, index: int) -> Proof:
    """The event's leaf, its inclusion proof under the current signed checkpoint, and whether
    the root recomputed from them (RFC 9162) is the checkpoint's (after checking its
    signature with the log's key)."""
    settings = settings_of(request)
    key = load_log_key(settings)
    origin = log_origin(settings)
    stored = await store.checkpoint(session, key, origin)
    leaves = await store.entries(session, index, index + 1)
    proof = await store.inclusion(session, index, stored.size)
    data = bytes(leaves[0].data) if leaves else b""
    hashed = leaf_hash(data)
    try:
        signed = verify_checkpoint(stored.note, key.public_key(), origin, origin=origin)
    except NoteError:
        verified = False
    else:
        verified = (
            bool(leaves)
            and signed.size == stored.size
            and hashed == proof.leaf_hash
            and verify_inclusion(index, signed.size, hashed, proof.proof, signed.root_hash)
        )
    return Proof(
        leaf_data=data.decode("utf-8", errors="replace"),
        leaf_hex=data.hex(),
        leaf_hash=hashed.hex(),
        path=[p.hex() for p in proof.proof],
        tree_size=stored.size,
        checkpoint=stored.note,
        verifier_key=verifier_key(origin, key.public_key()),
        verified=verified,
    )


@router.get("/certificates/events/{event_id}")
async def event_page(
    request: Request,
    event_id: PathId,
    principal: WebPrincipal,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    events, certificates = await _events(db, principal.user.id)
    event = next((e for e in events if e.id == event_id), None)
    if event is None:
        return await _not_found(request, EventNotFound(), visitor.lang)
    proof = await _proof(db, request, event.tlog_index)
    context = {
        "event": event,
        "certificate": certificates[event.certificate_id],
        "proof": proof,
    }
    return await render(request, "certificates/event.html", context)


# --- signature requests -------------------------------------------------------------------------


def seconds_left(sign_request: SignRequest) -> int:
    return max(0, int((as_utc(sign_request.expires_at) - clock.now()).total_seconds()))


def _duration(seconds: int, lang: str) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes:
        return translate("certificates.requests.minutes", lang, minutes=minutes, seconds=rest)
    return translate("certificates.requests.seconds", lang, seconds=rest)


@router.get("/certificates/requests")
async def requests_page(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    pending = await sign_requests.pending_of(db, principal.user.id)
    names = await sign_requests.institution_names(db, [r.institution_id for r in pending])
    items = [
        {
            "request": r,
            "institution": names.get(r.institution_id, ""),
            "left": _duration(seconds_left(r), visitor.lang),
        }
        for r in pending
    ]
    return await render(request, "certificates/requests.html", {"items": items})


async def _request_page(
    request: Request,
    user: User,
    lang: str,
    receipt_id: str,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """One request of the user's (another's is the 404 page), read in its own transaction."""
    try:
        async with database_of(request).transaction() as session:
            found = await sign_requests.of_user(session, user.id, receipt_id)
            names = await sign_requests.institution_names(session, [found.institution_id])
            current = await repository.current_of(session, user.id)
    except SignRequestNotFound as missing:
        return await _not_found(request, missing, lang)
    context = {
        "sign_request": found,
        "institution": names.get(found.institution_id, ""),
        "left": _duration(seconds_left(found), lang),
        "can_sign": current is not None and current.status == "active",
        "error": error,
    }
    return await render(request, "certificates/request.html", context, status_code)


@router.get("/certificates/requests/{receipt_id}")
async def request_page(
    request: Request, receipt_id: ReceiptId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    return await _request_page(request, principal.user, visitor.lang, receipt_id)


async def _answer(
    request: Request,
    principal: Principal,
    lang: str,
    receipt_id: str,
    answer: Callable[[], Awaitable[SignRequest]],
    notice: str,
) -> Response:
    """Approve or reject (certificate/actions.py: an expired request and a wrong or locked
    certificate PIN are committed first); a refusal is shown on the request's page."""
    try:
        await answer()
    except SignRequestNotFound as missing:
        return await _not_found(request, missing, lang)
    except EasyPayError as refusal:
        text = _refusal_text(refusal, lang)
        return await _request_page(request, principal.user, lang, receipt_id, text, refusal.status)
    return await redirect(request, with_notice("/certificates/requests", notice))


@router.post("/certificates/requests/{receipt_id}/approve")
async def approve(
    request: Request, receipt_id: ReceiptId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    form = await read_form(request)
    user, lang = principal.user, visitor.lang
    pin = form.get("pin", "")
    if not is_valid_pin(pin):
        text = translate("certificates.bad_cert_pin", lang)
        return await _request_page(request, user, lang, receipt_id, text, 422)
    settings = settings_of(request)

    async def answer() -> SignRequest:
        return await actions.approve_request(database_of(request), settings, user, receipt_id, pin)

    return await _answer(request, principal, lang, receipt_id, answer, "certificates.signed")


@router.post("/certificates/requests/{receipt_id}/reject")
async def reject(
    request: Request, receipt_id: ReceiptId, principal: WebPrincipal, visitor: CurrentVisitor
) -> Response:
    user = principal.user

    async def answer() -> SignRequest:
        return await actions.reject_request(database_of(request), user, receipt_id)

    return await _answer(
        request, principal, visitor.lang, receipt_id, answer, "certificates.rejected"
    )
