"""One-time in-store payment codes: what the wallet shows for a POS to scan.

A code is 20 random digits from `secrets` (never derived from the user, the time or a counter,
so it carries no personal data), valid 3 minutes, used once. Only its SHA-256 digest is stored.

Issuing a new code retires the user's older unused codes at once (their expiry becomes now):
a screenshot of an older code stops working the moment the wallet shows a fresh one, so a user
has one chargeable code at a time (two issued in the very same instant may both live out their
3 minutes; each is still single use).

Showing a code needs the payment PIN. A "refresh" needs no PIN again, but it must present a
code of the same user issued less than REFRESH_WINDOW ago: whoever is looking at a recent code
may replace it, nobody else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from barcode import Code128
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card import repository as card_repository
from easypay.kit.clock import as_utc, clock
from easypay.kit.crypto import sha256_hex
from easypay.models import PaymentCode, User
from easypay.payment import pos_repository as repository
from easypay.payment.errors import CardNotUsable
from easypay.payment.pos_errors import BuyerUnavailable, CodeMethodNotSupported, RefreshRefused

DIGITS = 20
LIFETIME = timedelta(minutes=3)
REFRESH_WINDOW = timedelta(minutes=10)
METHODS = ("MONEY", "CARD")


@dataclass(frozen=True)
class IssuedCode:
    """A code as the wallet shows it: the digits exist only here, never in the database."""

    digits: str
    code: PaymentCode

    @property
    def expires_at(self) -> datetime:
        return as_utc(self.code.expires_at)

    @property
    def spaced(self) -> str:
        return spaced(self.digits)


def new_digits() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def digest(digits: str) -> str:
    return sha256_hex(digits)


def spaced(digits: str) -> str:
    """Groups of four, for reading aloud or typing in by hand."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def normalized(text: str) -> str | None:
    """The digits of a code as typed or scanned (spaces and dashes dropped), or None."""
    digits = "".join(ch for ch in text if ch not in " -")
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


async def issue(
    session: AsyncSession, user: User, method: str = "MONEY", card_id: int | None = None
) -> IssuedCode:
    """A fresh code for the (PIN-checked) user, paying with Pay Money or one of their cards;
    their older unused codes end now."""
    if method not in METHODS:
        raise CodeMethodNotSupported()
    if user.status != "active":
        raise BuyerUnavailable()
    if method == "CARD":
        card = await card_repository.card_of(session, user, card_id) if card_id else None
        if card is None:
            raise CardNotUsable()
    else:
        card_id = None
    now = clock.now()
    await repository.retire_codes(session, user.id, now)
    digits = new_digits()
    code = PaymentCode(
        code_hash=digest(digits),
        user_id=user.id,
        method=method,
        card_id=card_id,
        created_at=now,
        expires_at=now + LIFETIME,
        used_at=None,
        payment_id=None,
    )
    session.add(code)
    await session.flush()
    return IssuedCode(digits, code)


async def refresh(session: AsyncSession, user: User, previous: str) -> IssuedCode:
    """A new code in place of `previous`, a recent code of the same user (no PIN again)."""
    digits = normalized(previous)
    found = await repository.code_by_hash(session, digest(digits)) if digits else None
    if (
        found is None
        or found.user_id != user.id
        or as_utc(found.created_at) + REFRESH_WINDOW <= clock.now()
    ):
        raise RefreshRefused()
    return await issue(session, user, found.method, found.card_id)


def barcode_svg(digits: str, height: int = 60) -> str:
    """Code128 as inline SVG. Bars are drawn from python-barcode's modules with presentation
    attributes (its own SVG writer uses style attributes, which the page's CSP forbids)."""
    modules: str = Code128(digits).build()[0]
    quiet = 10
    width = len(modules) + 2 * quiet
    bars = []
    start = None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module != "1" and start is not None:
            bars.append(f"M{start + quiet} 0h{index - start}v{height}h-{index - start}z")
            start = None
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="pay-code-barcode" preserveAspectRatio="none" aria-hidden="true" '
        f'data-testid="pay-code-barcode">'
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )


QR_MASK = 0


def qr_svg(digits: str) -> str:
    """The same digits as a QR code, inline SVG (no style attributes).

    One fixed mask pattern: choosing the "best" of the eight (scoring each) was 4 of the 5 ms
    this took, on every code shown; readers take any mask (the symbol names its own), and
    tests/payment decode the result with ZXing."""
    qr = segno.make(digits, error="m", micro=False, mask=QR_MASK)
    svg: str = qr.svg_inline(scale=1, border=4, light="#fff", omitsize=True, svgclass="pay-code-qr")
    return svg.replace("<svg ", '<svg aria-hidden="true" data-testid="pay-code-qr" ', 1)
