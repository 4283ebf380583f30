"""The card issuer's side of card payments, never inside a database transaction.

Before a payment's transaction: `authorize` (asking what happened when the answer is lost), and,
when that transaction then fails, `release` at once. After it, by the worker: the capture (매입)
of an approved payment, the refund of each cancel, and the release of an authorisation whose
payment never completed — each an outbox job. The issuer answers a repeated request id with its
first answer, so a call or job run twice (a crash, two workers) changes nothing the second time.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card.gateway import CardApproval, CardIssuer, CardIssuerError, CardIssuerUnavailable
from easypay.db import Database
from easypay.models import Payment, PaymentAction
from easypay.worker import outbox

CAPTURE = "card.capture"
REFUND = "card.refund"
RELEASE = "card.release"


def authorize_request_id(tid: str, card_id: int) -> str:
    """One per payment and card: a retry on the same card repeats the issuer's first answer."""
    return f"{tid}:authorize:{card_id}"


def capture_request_id(tid: str) -> str:
    return f"{tid}:capture"


async def authorize(
    issuer: CardIssuer,
    request_id: str,
    token: str,
    amount: int,
    merchant: str,
    install_month: int = 0,
) -> CardApproval:
    """The issuer's authorisation; raises `CardDeclined` on a refusal, `CardIssuerUnavailable`
    when neither the call nor a result inquiry tells whether it happened."""
    try:
        return await issuer.authorize(request_id, token, amount, merchant, install_month)
    except CardIssuerUnavailable:
        found = None
        with contextlib.suppress(CardIssuerUnavailable):  # the answer was lost: did it happen?
            found = await issuer.authorization_result(request_id)
        if found is None:
            raise
        return found


def release_request_id(tid: str) -> str:
    """One per payment: the release made at once and the worker's release job are the same
    call, so the issuer gives the authorisation back only once."""
    return f"{tid}:release"


async def release(issuer: CardIssuer, request_id: str, approval_id: str, amount: int) -> None:
    """Give back, at once, an authorisation no payment kept. Best effort: an uncaptured
    authorisation the issuer never hears about lapses on its own."""
    with contextlib.suppress(CardIssuerError):
        await issuer.cancel(request_id, approval_id, amount)


async def enqueue_capture(session: AsyncSession, payment: Payment) -> None:
    await outbox.enqueue(session, CAPTURE, {"payment_id": payment.id})


async def enqueue_refund(session: AsyncSession, action: PaymentAction) -> None:
    await outbox.enqueue(session, REFUND, {"action_id": action.id})


async def enqueue_release(session: AsyncSession, payment: Payment) -> None:
    await outbox.enqueue(session, RELEASE, {"payment_id": payment.id})


def handlers(issuer: CardIssuer) -> dict[str, outbox.Handler]:
    """The job handlers, bound to the issuer the worker talks to."""

    async def capture(database: Database, job: dict[str, Any]) -> None:
        async with database.transaction() as session:
            payment = await session.get(Payment, job["payment_id"])
            assert payment is not None
            assert payment.card_approval_id is not None
            tid, approval_id, total = payment.tid, payment.card_approval_id, payment.total_amount
        await issuer.capture(capture_request_id(tid), approval_id, total)

    async def refund(database: Database, job: dict[str, Any]) -> None:
        async with database.transaction() as session:
            action = await session.get(PaymentAction, job["action_id"])
            assert action is not None
            payment = await session.get(Payment, action.payment_id)
            assert payment is not None
            assert payment.card_approval_id is not None
            tid, approval_id, total = payment.tid, payment.card_approval_id, payment.total_amount
            aid, amount = action.aid, action.amount
        # A cancel right after the approval may run before the capture job: capture first (a
        # repeat of the capture's own request id), so the refund applies to a captured amount.
        await issuer.capture(capture_request_id(tid), approval_id, total)
        await issuer.cancel(aid, approval_id, amount)

    async def release(database: Database, job: dict[str, Any]) -> None:
        async with database.transaction() as session:
            payment = await session.get(Payment, job["payment_id"])
            assert payment is not None
            tid, approval_id, total = payment.tid, payment.card_approval_id, payment.total_amount
            card_id = payment.card_id
        if approval_id is None:  # the authorisation's answer may have been lost: ask
            if card_id is None:
                return
            found = await issuer.authorization_result(authorize_request_id(tid, card_id))
            if found is None:
                return
            approval_id = found.approval_id
        await issuer.cancel(release_request_id(tid), approval_id, total)

    return {CAPTURE: capture, REFUND: refund, RELEASE: release}
