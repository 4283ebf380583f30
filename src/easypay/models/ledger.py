"""The double-entry ledger: accounts with four running sums, and immutable transfers.

See specs/ledger.md. The CHECK constraints are the last line of defence behind the write path.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Amount, Base, BigId, Id, Timestamp, UtcDateTime

# Account flags (bit values).
DEBITS_MUST_NOT_EXCEED_CREDITS = 1
CREDITS_MUST_NOT_EXCEED_DEBITS = 2


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("code", "unit", "owner_id", "shard", name="uq_ledger_accounts_identity"),
        CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0 "
            "AND credits_pending >= 0 AND credits_posted >= 0",
            name="sums_non_negative",
        ),
        CheckConstraint(
            "(flags & 1) = 0 OR debits_pending + debits_posted <= credits_posted",
            name="debits_within_credits",
        ),
        CheckConstraint(
            "(flags & 2) = 0 OR credits_pending + credits_posted <= debits_posted",
            name="credits_within_debits",
        ),
    )

    id: Mapped[Id]
    unit: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(BigId, default=0)  # 0 for system accounts
    shard: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    debits_pending: Mapped[Amount] = mapped_column(default=0)
    debits_posted: Mapped[Amount] = mapped_column(default=0)
    credits_pending: Mapped[Amount] = mapped_column(default=0)
    credits_posted: Mapped[Amount] = mapped_column(default=0)
    created_at: Mapped[Timestamp]


class LedgerTransfer(Base):
    """Immutable. `kind` is single, pending, post, void or expire; the last three resolve
    `pending_id`, at most once (unique)."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        Index("ix_ledger_transfers_debit", "debit_account_id", "id"),
        Index("ix_ledger_transfers_credit", "credit_account_id", "id"),
    )

    id: Mapped[Id]
    transfer_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    debit_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_accounts.id"))
    amount: Mapped[Amount]
    unit: Mapped[str] = mapped_column(String(16))
    pending_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ledger_transfers.id"), unique=True
    )
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    code: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[Timestamp]
