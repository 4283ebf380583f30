"""What the hosted checkout page shows: a payment, its merchant, and where the buyer may go
next (waiting for the PIN, or back to the shop's cancel / fail page)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card.gateway import CardDeclined, CardIssuer, CardIssuerUnavailable
from easypay.kit.clock import clock
from easypay.models import Card, Merchant, Payment
from easypay.payment import card_jobs, repository, service
from easypay.payment.errors import CardNotUsable, PaymentNotFound

TID_LENGTH = 20
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?")

# waiting: the buyer may pay or quit; the others end the visit with a link back to the shop.
State = Literal["waiting", "authorized", "paid", "quit", "failed"]


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    merchant_name: str
    state: State

    @property
    def back_url(self) -> str:
        """Where "back to the shop" goes from a checkout that is over."""
        if self.state == "quit":
            return shop_url(self.payment.cancel_url)
        if self.state == "failed":
            return shop_url(self.payment.fail_url)
        return shop_home(self.payment.approval_url)


def state_of(payment: Payment) -> State:
    expired = payment.expires_at <= clock.now()
    if payment.status in service.BEFORE_PIN:
        if expired:
            return "failed"
        return "waiting"
    if payment.status == "AUTH_PASSWORD":
        return "failed" if expired else "authorized"
    if payment.status in (*service.PAID, "CANCEL_PAYMENT"):
        return "paid"
    if payment.status == "QUIT_PAYMENT":
        return "quit"
    return "failed"  # FAIL_PAYMENT, FAIL_AUTH_PASSWORD


async def open_checkout(session: AsyncSession, tid: str) -> Checkout:
    """The checkout of `tid` as the buyer opens it (a waiting payment becomes OPEN_PAYMENT)."""
    if not tid or len(tid) > TID_LENGTH:
        raise PaymentNotFound()
    payment = await service.checkout_payment(session, tid)
    return await _checkout(session, payment)


async def find_checkout(session: AsyncSession, tid: str) -> Checkout:
    """The checkout of `tid`, as it stands (nothing changes)."""
    payment = await repository.payment_by_tid(session, tid) if len(tid) <= TID_LENGTH else None
    if payment is None:
        raise PaymentNotFound()
    return await _checkout(session, payment)


async def _checkout(session: AsyncSession, payment: Payment) -> Checkout:
    merchant = await session.get(Merchant, payment.merchant_id)
    assert merchant is not None, "every payment has its merchant"
    return Checkout(payment, merchant.name, state_of(payment))


def with_pg_token(approval_url: str, token: str) -> str:
    """`approval_url` with `pg_token` added to whatever query it already has."""
    parts = urlsplit(approval_url)
    extra = urlencode({"pg_token": token})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def shop_origins(payment: Payment) -> list[str]:
    """The origins the checkout sends the browser back to (approval, cancel and fail URLs)."""
    origins: list[str] = []
    for url in (payment.approval_url, payment.cancel_url, payment.fail_url):
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if _ORIGIN.fullmatch(origin) and origin not in origins:
            origins.append(origin)
    return origins


def shop_url(url: str) -> str:
    """A merchant's URL to send the browser to; anything but http(s) (javascript:, data:...)
    becomes the home page."""
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else "/"


def shop_home(url: str) -> str:
    """The shop's front page: the origin of one of its URLs."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "/"
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


async def authorize_card(issuer: CardIssuer, payment: Payment, card: Card, merchant: str) -> str:
    """Ask the issuer to authorise the total on the chosen card; returns the approval number.
    Called after the PIN and before the payment's transaction (never inside one)."""
    request_id = card_jobs.authorize_request_id(payment.tid, card.id)
    try:
        approval = await card_jobs.authorize(
            issuer,
            request_id,
            card.issuer_token,
            payment.total_amount,
            merchant,
            payment.install_month,
        )
    except CardDeclined as declined:
        code = declined.code
        raise CardNotUsable(f"The card issuer declined the payment (code {code}).") from None
    except CardIssuerUnavailable:
        raise CardNotUsable("The card issuer did not answer; please try again.") from None
    return approval.approval_id
