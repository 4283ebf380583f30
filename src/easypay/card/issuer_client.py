"""The card issuer over HTTP: `HttpCardIssuer` implements `CardIssuer` (card/gateway.py).

In development and tests the other end is the sandbox card issuer (easypay.sandbox.card); given
a base URL and a token, the same code talks to an issuer that speaks the same API.

A clear refusal (HTTP 200 with a decline `result_code`) raises `CardDeclined(code)`; so does a
request the issuer calls malformed (HTTP 400 `BadRequest`, code "30": it surely did not happen,
and repeating it cannot help). Anything
that is not a clear answer — timeout, connection error, non-200, a body that is not the expected
JSON, an answer about some other request — raises `CardIssuerUnavailable`: the call may or may
not have happened, and repeating it with the same request id is safe. Nothing secret is logged:
not the token, not card numbers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

from easypay.card.gateway import (
    CardApproval,
    CardDeclined,
    CardIssuerUnavailable,
    RegisteredCard,
)

log = logging.getLogger("easypay.card.issuer")

APPROVED = "00"
# Not an issuer answer code: the issuer refused the request as malformed (HTTP 400), so it
# surely did not happen. Reported as a decline so that callers do not retry it for ever.
FORMAT_ERROR = "30"
_CODE = re.compile(r"^\d{2}$")
_APPROVAL_ID = re.compile(r"^\d{8}$")


class HttpCardIssuer:
    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # One client for the issuer's life: connections are pooled and reused.
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def __repr__(self) -> str:  # never show the token
        return f"HttpCardIssuer({self.base_url!r})"

    # --- plumbing ------------------------------------------------------------------------------

    async def _post(self, path: str, body: dict[str, Any], *, found: bool = True) -> dict[str, Any]:
        """The JSON answer of a POST; `found=False` lets an `AuthorizationNotFound` 404 through
        as an empty dict (only the result inquiry asks for that)."""
        try:
            response = await self._client.post(path, json=body)
        except httpx.TimeoutException as error:
            log.warning("card issuer call timed out: %s (%s)", path, type(error).__name__)
            raise CardIssuerUnavailable("The card issuer did not answer in time.") from error
        except httpx.HTTPError as error:
            log.warning("card issuer call failed: %s (%s)", path, type(error).__name__)
            raise CardIssuerUnavailable("The card issuer cannot be reached.") from error
        answer = _json(response)
        refusal = answer.get("error") if answer is not None else None
        if response.status_code == 404 and not found and refusal == "AuthorizationNotFound":
            return {}
        if response.status_code == 400 and refusal == "BadRequest":
            assert answer is not None
            log.warning("card issuer refused a malformed request: %s", path)
            raise CardDeclined(str(answer.get("detail") or "Malformed request."), FORMAT_ERROR)
        if response.status_code != 200:
            log.warning("card issuer answered HTTP %s: %s", response.status_code, path)
            raise CardIssuerUnavailable(f"The card issuer answered HTTP {response.status_code}.")
        if answer is None or not isinstance(answer.get("result_code"), str):
            log.warning("card issuer answered a body without result_code: %s", path)
            raise CardIssuerUnavailable("The card issuer's answer is malformed.")
        code = answer["result_code"]
        if not _CODE.match(code):
            raise CardIssuerUnavailable("The card issuer's result code is malformed.")
        return answer

    @staticmethod
    def _declined_unless_approved(answer: dict[str, Any]) -> None:
        code = str(answer["result_code"])
        if code != APPROVED:
            message = str(answer.get("result_message") or "The card issuer declined.")
            raise CardDeclined(message, code)

    # --- the CardIssuer interface --------------------------------------------------------------

    async def register(
        self, number: str, expiry: str, birth_date: str, password_two_digits: str
    ) -> RegisteredCard:
        answer = await self._post(
            "/v1/cards/register",
            {
                "card_number": number,
                "expiry": expiry,
                "birth_date": birth_date,
                "password_two_digits": password_two_digits,
            },
        )
        self._declined_unless_approved(answer)
        try:
            card = RegisteredCard(
                token=_text(answer, "token", 64),
                corp_code=_text(answer, "corp_code", 8),
                corp_name=_text(answer, "corp_name", 40),
                bin=_text(answer, "bin", 6),
                last4=_text(answer, "last4", 4),
                card_type=_text(answer, "card_type", 8),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CardIssuerUnavailable("The card issuer's registration is malformed.") from error
        if card.bin != number[:6] or card.last4 != number[-4:]:
            raise CardIssuerUnavailable("The card issuer answered about another card.")
        return card

    async def authorize(
        self, request_id: str, token: str, amount: int, merchant_name: str, install_month: int
    ) -> CardApproval:
        answer = await self._post(
            "/v1/authorizations",
            {
                "request_id": request_id,
                "token": token,
                "amount": amount,
                "merchant_name": merchant_name[:100],
                "install_month": install_month,
            },
        )
        if answer.get("request_id") != request_id:
            raise CardIssuerUnavailable("The card issuer answered about another request.")
        self._declined_unless_approved(answer)
        approval = _approval(answer)
        if approval.amount != amount:
            raise CardIssuerUnavailable("The card issuer approved another amount.")
        return approval

    async def capture(self, request_id: str, approval_id: str, amount: int) -> None:
        await self._operation("capture", request_id, approval_id, amount)

    async def cancel(self, request_id: str, approval_id: str, amount: int) -> None:
        await self._operation("cancel", request_id, approval_id, amount)

    async def _operation(self, kind: str, request_id: str, approval_id: str, amount: int) -> None:
        if not _APPROVAL_ID.match(approval_id):
            raise CardDeclined("Not an approval number.", "12")
        answer = await self._post(
            f"/v1/authorizations/{approval_id}/{kind}",
            {"request_id": request_id, "amount": amount},
        )
        if answer.get("request_id") != request_id or answer.get("approval_id") != approval_id:
            raise CardIssuerUnavailable("The card issuer answered about another request.")
        self._declined_unless_approved(answer)

    async def authorization_result(self, request_id: str) -> CardApproval | None:
        """The approval an `authorize` with this id got; None when there is none: the issuer
        never saw the id (it now refuses it, should it arrive late) or declined it."""
        answer = await self._post(
            "/v1/authorizations/inquiry", {"request_id": request_id}, found=False
        )
        if not answer:
            return None
        if answer.get("request_id") != request_id:
            raise CardIssuerUnavailable("The card issuer answered about another request.")
        if answer["result_code"] != APPROVED:
            return None
        return _approval(answer)


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _text(answer: dict[str, Any], field: str, longest: int) -> str:
    value = answer[field]
    if not isinstance(value, str) or not value or len(value) > longest:
        raise ValueError(f"bad {field}")
    return value


def _approval(answer: dict[str, Any]) -> CardApproval:
    approval_id = answer.get("approval_id")
    amount = answer.get("amount")
    install_month = answer.get("install_month")
    interest_free = answer.get("interest_free")
    if (
        not isinstance(approval_id, str)
        or not _APPROVAL_ID.match(approval_id)
        or type(amount) is not int
        or type(install_month) is not int
        or not isinstance(interest_free, bool)
    ):
        raise CardIssuerUnavailable("The card issuer's approval is malformed.")
    return CardApproval(approval_id, amount, install_month, interest_free)
