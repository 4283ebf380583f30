"""What callers hand the ledger, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import uuid4

from easypay.ledger.errors import LedgerError
from easypay.models import LedgerTransfer


def new_transfer_key() -> str:
    return uuid4().hex


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """A single (posted at once) or pending (a hold) transfer."""

    debit_account_id: int
    credit_account_id: int
    amount: int
    code: str
    unit: str = "KRW"
    pending: bool = False
    expires_at: datetime | None = None
    reference: str = ""
    key: str = field(default_factory=new_transfer_key)
    # The credited account's balance, counting pending credits, must stay at or below this.
    credit_cap: int | None = None

    @property
    def kind(self) -> Literal["single", "pending"]:
        return "pending" if self.pending else "single"


@dataclass(frozen=True, slots=True)
class TransferResult:
    """One per request of a batch: the transfer made, or why not."""

    transfer: LedgerTransfer | None
    error: LedgerError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
