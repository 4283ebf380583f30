"""Tables of the sandbox bank (its own, prefixed `sandbox_bank_`; never read by EasyPay code)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Amount, Base, BigId, Id, Timestamp


class SandboxBankAccount(Base):
    __tablename__ = "sandbox_bank_accounts"
    __table_args__ = (
        UniqueConstraint("bank_code", "account_number"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
    )

    id: Mapped[Id]
    bank_code: Mapped[str] = mapped_column(String(3))
    account_number: Mapped[str] = mapped_column(String(20))
    holder_name: Mapped[str] = mapped_column(String(50))
    # Checked by the real-name inquiry when known (YYMMDD on the wire); None accepts any.
    holder_birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    customer_id: Mapped[str] = mapped_column(String(32), index=True)  # e.g. a phone number
    balance: Mapped[Amount]
    is_corporate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[Timestamp]


class SandboxBankTransaction(Base):
    __tablename__ = "sandbox_bank_transactions"

    id: Mapped[Id]
    account_id: Mapped[int] = mapped_column(BigId, index=True)
    bank_tran_id: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    amount: Mapped[Amount]
    balance_after: Mapped[int] = mapped_column(BigInteger)
    counterparty: Mapped[str] = mapped_column(String(50), default="")
    memo: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[Timestamp]


class SandboxBankTransferResult(Base):
    """The bank's own idempotency record: one row per bank_tran_id, the answer it gave.

    Written in the same transaction as the money movement; `cancelled` is the tombstone a result
    inquiry leaves for an id the bank never saw, so a late arrival of that id moves nothing."""

    __tablename__ = "sandbox_bank_transfer_results"

    bank_tran_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))  # success | declined | cancelled
    response_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]


class SandboxBankFault(Base):
    """An instruction to misbehave: decline, time out, or fail after succeeding."""

    __tablename__ = "sandbox_bank_faults"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    id: Mapped[Id]
    operation: Mapped[str] = mapped_column(String(16))  # withdraw | deposit | realname | any
    account_number: Mapped[str] = mapped_column(String(20), default="*")
    mode: Mapped[str] = mapped_column(String(24))  # decline | timeout | fail_after_success
    remaining: Mapped[int] = mapped_column(Integer, default=1)
    delay_seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[Timestamp]
