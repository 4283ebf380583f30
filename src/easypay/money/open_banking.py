"""The bank gateway over HTTP, speaking the open-banking (KFTC v2.0 style) API.

In development and tests the other end is the sandbox bank (easypay.sandbox.bank); given a base
URL and a token, the same code talks to a bank that speaks the same API.

Transfers never raise: whatever is not a clear answer (timeout, connection error, 5xx, 4xx,
a body that is not the expected JSON) is `unknown`, because the money may have moved; only a
later `transfer_result` can tell. Inquiries raise `BankAccountNotFound` or `BankUnavailable`.
Nothing secret is logged: not the token, not full account numbers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal

import httpx

from easypay.money.banks import mask_account
from easypay.money.gateway import (
    BankAccountInfo,
    BankAccountNotFound,
    BankTransaction,
    BankUnavailable,
    TransferOutcome,
)

log = logging.getLogger("easypay.bank")

RSP_OK = "A0000"
RSP_BANK_ERROR = "A0002"  # the bank refused: bank_rsp_code says why
BANK_OK = "000"
# Bank answers that mean "no such account (for this holder)" rather than "cannot answer now".
ACCOUNT_NOT_FOUND_CODES = frozenset({"412", "815"})
KST = timezone(timedelta(hours=9))
MEMO_LIMIT = 50


class _NoAnswer(Exception):
    """The bank gave no usable answer (transport error, non-2xx, not JSON)."""


class OpenBankingGateway:
    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # One client for the gateway's life: connections are pooled and reused.
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
        return f"OpenBankingGateway({self.base_url!r})"

    # --- plumbing ------------------------------------------------------------------------------

    async def _call(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._client.request(method, path, json=json, params=params)
        except httpx.TimeoutException as error:
            log.warning("bank call timed out: %s %s (%s)", method, path, type(error).__name__)
            raise _NoAnswer("timeout") from error
        except httpx.HTTPError as error:
            log.warning("bank call failed: %s %s (%s)", method, path, type(error).__name__)
            raise _NoAnswer(type(error).__name__) from error
        if response.status_code != 200:
            log.warning("bank answered HTTP %s: %s %s", response.status_code, method, path)
            raise _NoAnswer(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            log.warning("bank answered a body that is not JSON: %s %s", method, path)
            raise _NoAnswer("not JSON") from error
        if not isinstance(body, dict) or not isinstance(body.get("rsp_code"), str):
            log.warning("bank answered JSON without rsp_code: %s %s", method, path)
            raise _NoAnswer("no rsp_code")
        return body

    @staticmethod
    def _tran_dtime() -> str:
        return datetime.now(KST).strftime("%Y%m%d%H%M%S")

    @staticmethod
    def _inquiry_id() -> str:
        return "EPQ" + uuid.uuid4().hex[:17].upper()

    async def _inquiry(
        self,
        method: Literal["GET", "POST"],
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An inquiry: the answer on success, else BankAccountNotFound / BankUnavailable."""
        try:
            body = await self._call(method, path, json=json, params=params)
        except _NoAnswer as error:
            raise BankUnavailable(f"The bank did not answer ({error}).") from error
        rsp_code = str(body.get("rsp_code", ""))
        bank_code = str(body.get("bank_rsp_code", BANK_OK))
        message = str(body.get("bank_rsp_message") or body.get("rsp_message") or "")
        if rsp_code == RSP_OK and bank_code == BANK_OK:
            return body
        if rsp_code == RSP_BANK_ERROR and bank_code in ACCOUNT_NOT_FOUND_CODES:
            raise BankAccountNotFound(message or "No such account.", bank_code)
        raise BankUnavailable(message or "The bank refused the inquiry.", bank_code or rsp_code)

    # --- inquiries -----------------------------------------------------------------------------

    async def real_name(
        self, bank_code: str, account_number: str, birth_date: date | None = None
    ) -> str:
        body = await self._inquiry(
            "POST",
            "/v2.0/inquiry/real_name",
            json={
                "bank_tran_id": self._inquiry_id(),
                "bank_code_std": bank_code,
                "account_num": account_number,
                "account_holder_info_type": " ",
                "account_holder_info": birth_date.strftime("%y%m%d") if birth_date else "",
                "tran_dtime": self._tran_dtime(),
            },
        )
        name = body.get("account_holder_name")
        if not isinstance(name, str) or not name:
            raise BankUnavailable("The bank answered without a holder name.")
        return name

    async def accounts_of(self, customer_id: str) -> list[BankAccountInfo]:
        body = await self._inquiry("GET", "/v2.0/account/list", params={"customer_id": customer_id})
        try:
            return [
                BankAccountInfo(
                    bank_code=str(item["bank_code_std"]),
                    account_number=str(item["account_num"]),
                    holder_name=str(item["account_holder_name"]),
                )
                for item in body.get("res_list", [])
            ]
        except (KeyError, TypeError) as error:
            raise BankUnavailable("The bank's account list is malformed.") from error

    async def balance(self, bank_code: str, account_number: str) -> int:
        body = await self._inquiry(
            "GET",
            "/v2.0/account/balance/acnt_num",
            params={
                "bank_code_std": bank_code,
                "account_num": account_number,
                "bank_tran_id": self._inquiry_id(),
            },
        )
        try:
            return _amount(body["balance_amt"])
        except (KeyError, TypeError, ValueError) as error:
            raise BankUnavailable("The bank's balance answer is malformed.") from error

    async def transactions(self, bank_code: str, account_number: str) -> list[BankTransaction]:
        body = await self._inquiry(
            "GET",
            "/v2.0/account/transaction_list/acnt_num",
            params={
                "bank_code_std": bank_code,
                "account_num": account_number,
                "bank_tran_id": self._inquiry_id(),
            },
        )
        try:
            return [_transaction(item) for item in body.get("res_list", [])]
        except (KeyError, TypeError, ValueError) as error:
            raise BankUnavailable("The bank's transaction list is malformed.") from error

    # --- transfers -----------------------------------------------------------------------------

    async def withdraw(
        self, bank_tran_id: str, bank_code: str, account_number: str, amount: int, memo: str
    ) -> TransferOutcome:
        return await self._transfer(
            "/v2.0/transfer/withdraw/acnt_num",
            bank_tran_id,
            bank_code,
            account_number,
            amount,
            memo,
        )

    async def deposit(
        self, bank_tran_id: str, bank_code: str, account_number: str, amount: int, memo: str
    ) -> TransferOutcome:
        return await self._transfer(
            "/v2.0/transfer/deposit/acnt_num", bank_tran_id, bank_code, account_number, amount, memo
        )

    async def _transfer(
        self,
        path: str,
        bank_tran_id: str,
        bank_code: str,
        account_number: str,
        amount: int,
        memo: str,
    ) -> TransferOutcome:
        request = {
            "bank_tran_id": bank_tran_id,
            "bank_code_std": bank_code,
            "account_num": account_number,
            "tran_amt": amount,
            "print_content": memo[:MEMO_LIMIT],
            "tran_dtime": self._tran_dtime(),
        }
        try:
            body = await self._call("POST", path, json=request)
        except _NoAnswer as error:
            return TransferOutcome("unknown", bank_tran_id, message=f"No answer: {error}.")
        outcome = _transfer_outcome(bank_tran_id, body)
        if outcome.outcome != "ok":
            log.info(
                "bank transfer %s %s: %s/%s (%s %s)",
                bank_tran_id,
                outcome.outcome,
                outcome.result_code,
                outcome.bank_result_code,
                bank_code,
                mask_account(account_number),
            )
        return outcome

    async def transfer_result(self, bank_tran_id: str) -> TransferOutcome:
        try:
            body = await self._call(
                "POST",
                "/v2.0/transfer/result",
                json={"org_bank_tran_id": bank_tran_id, "tran_dtime": self._tran_dtime()},
            )
        except _NoAnswer as error:
            return TransferOutcome("unknown", bank_tran_id, message=f"No answer: {error}.")
        rsp_code = str(body.get("rsp_code", ""))
        result = body.get("tran_result")
        if (
            rsp_code != RSP_OK
            or body.get("org_bank_tran_id") != bank_tran_id
            or result not in ("success", "declined", "cancelled")
        ):
            log.warning("bank result inquiry for %s unclear (rsp_code %s)", bank_tran_id, rsp_code)
            return TransferOutcome(
                "unknown", bank_tran_id, rsp_code, message=str(body.get("rsp_message", ""))
            )
        return TransferOutcome(
            "ok" if result == "success" else "declined",
            bank_tran_id,
            rsp_code,
            str(body.get("bank_rsp_code", "")),
            str(body.get("bank_rsp_message", "")),
        )


def _transfer_outcome(bank_tran_id: str, body: dict[str, Any]) -> TransferOutcome:
    rsp_code = str(body.get("rsp_code", ""))
    bank_rsp_code = str(body.get("bank_rsp_code", ""))
    message = str(body.get("bank_rsp_message") or body.get("rsp_message") or "")
    if body.get("bank_tran_id") != bank_tran_id:
        # An answer about some other transfer tells nothing about this one.
        return TransferOutcome("unknown", bank_tran_id, rsp_code, bank_rsp_code, message)
    if rsp_code == RSP_OK and bank_rsp_code == BANK_OK:
        return TransferOutcome("ok", bank_tran_id, rsp_code, bank_rsp_code, message)
    if rsp_code == RSP_BANK_ERROR:
        return TransferOutcome("declined", bank_tran_id, rsp_code, bank_rsp_code, message)
    return TransferOutcome("unknown", bank_tran_id, rsp_code, bank_rsp_code, message)


def _amount(value: Any) -> int:
    """An amount on the wire: a JSON integer, or a string of digits as KFTC sends them."""
    if isinstance(value, bool):
        raise TypeError("an amount is not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"not an amount: {value!r}")


def _transaction(item: dict[str, Any]) -> BankTransaction:
    moment = datetime.strptime(f"{item['tran_date']}{item['tran_time']}", "%Y%m%d%H%M%S")
    return BankTransaction(
        bank_tran_id=str(item.get("bank_tran_id", "")),
        direction="in" if item["inout_type"] in ("입금", "in") else "out",
        amount=_amount(item["tran_amt"]),
        balance_after=_amount(item["after_balance_amt"]),
        counterparty=str(item.get("counterparty_name", "")),
        memo=str(item.get("print_content", "")),
        at=moment.replace(tzinfo=KST).astimezone(UTC),
    )
