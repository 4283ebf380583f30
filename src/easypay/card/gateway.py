"""The card issuer, as EasyPay sees it: a typed interface the card and payment services call.

`HttpCardIssuer` (card/issuer_client.py) implements it over HTTP; in development and tests the
issuer is the sandbox card issuer mounted at /sandbox/card, so the adapter code that runs in tests
is the code that would talk to a real issuer given a base URL and credentials.

Every money-moving call carries a `request_id` chosen by EasyPay and recorded before the call:
the issuer answers a repeated id with its first answer, so a call whose answer was lost (timeout)
is simply asked again, or looked up with `authorization_result`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RegisteredCard:
    """What the issuer hands back when a card is registered: a token instead of the number."""

    token: str
    corp_code: str
    corp_name: str
    bin: str
    last4: str
    card_type: str  # 신용 | 체크


@dataclass(frozen=True)
class CardApproval:
    approval_id: str  # the approval number on receipts (card_info.approved_id)
    amount: int
    install_month: int
    interest_free: bool


class CardIssuerError(Exception):
    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class CardDeclined(CardIssuerError):
    """A clear refusal (`code` is the issuer's decline code, e.g. "51" over the limit; "30" a
    request the issuer called malformed). Nothing happened."""


class CardIssuerUnavailable(CardIssuerError):
    """No clear answer (timeout, 5xx): the call may or may not have happened."""


class CardIssuer(Protocol):
    async def register(
        self, number: str, expiry: str, birth_date: str, password_two_digits: str
    ) -> RegisteredCard: ...

    async def authorize(
        self, request_id: str, token: str, amount: int, merchant_name: str, install_month: int
    ) -> CardApproval: ...

    async def capture(self, request_id: str, approval_id: str, amount: int) -> None: ...

    async def cancel(self, request_id: str, approval_id: str, amount: int) -> None:
        """Give back `amount` of an authorisation (captured or not); partial cancels add up."""
        ...

    async def authorization_result(self, request_id: str) -> CardApproval | None:
        """What became of an `authorize` whose answer was lost. None: there is no approval —
        the issuer declined it, or never saw it (and then refuses the id should it arrive late,
        so None stays true)."""
        ...
