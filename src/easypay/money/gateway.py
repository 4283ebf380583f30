"""The bank, as EasyPay sees it: a typed interface the money service calls.

`OpenBankingGateway` (money/open_banking.py) implements it over HTTP against an
open-banking-shaped API; in development and tests that API is the sandbox bank mounted at
/sandbox/bank, so the code that runs in tests is the code that would talk to a real bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

Outcome = Literal["ok", "declined", "unknown"]


@dataclass(frozen=True)
class TransferOutcome:
    """What the bank said about one withdrawal or deposit.

    `unknown` means no clear answer (timeout, 5xx, garbage): the money may or may not have moved,
    and only a later `transfer_result` inquiry can tell.
    """

    outcome: Outcome
    bank_tran_id: str
    result_code: str = ""
    bank_result_code: str = ""
    message: str = ""


@dataclass(frozen=True)
class BankAccountInfo:
    bank_code: str
    account_number: str
    holder_name: str


@dataclass(frozen=True)
class BankTransaction:
    bank_tran_id: str
    direction: Literal["in", "out"]
    amount: int
    balance_after: int
    counterparty: str
    memo: str
    at: datetime


class BankError(Exception):
    """The bank refused an inquiry (unknown account) or could not be reached."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class BankAccountNotFound(BankError):
    pass


class BankUnavailable(BankError):
    pass


class BankGateway(Protocol):
    async def real_name(
        self, bank_code: str, account_number: str, birth_date: date | None = None
    ) -> str:
        """The account holder's name (raises BankAccountNotFound / BankUnavailable). With the
        holder's birth date the bank also checks it (linking one's own account); without, it
        is the recipient inquiry made before sending to someone's account."""
        ...

    async def accounts_of(self, customer_id: str) -> list[BankAccountInfo]:
        """The accounts a customer holds at the bank(s) (customer id: E.164 phone)."""
        ...

    async def balance(self, bank_code: str, account_number: str) -> int: ...

    async def transactions(self, bank_code: str, account_number: str) -> list[BankTransaction]: ...

    async def withdraw(
        self, bank_tran_id: str, bank_code: str, account_number: str, amount: int, memo: str
    ) -> TransferOutcome:
        """Take `amount` from the customer's account into EasyPay's (a charge). Idempotent on
        `bank_tran_id`: the bank answers a repeat with the first answer and moves nothing."""
        ...

    async def deposit(
        self, bank_tran_id: str, bank_code: str, account_number: str, amount: int, memo: str
    ) -> TransferOutcome:
        """Pay `amount` from EasyPay's account into the customer's (a withdrawal). Idempotent."""
        ...

    async def transfer_result(self, bank_tran_id: str) -> TransferOutcome:
        """What became of an earlier withdraw/deposit. For an id the bank never saw, the bank
        records it as cancelled (a late arrival is then refused) and answers `declined`."""
        ...
