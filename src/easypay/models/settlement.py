"""Merchant settlement: one statement per merchant and business day (KST), its line items (each
payment action settled at most once, by a unique constraint), and the payout through the bank."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class Settlement(Base):
    __tablename__ = "settlements"
    __table_args__ = (
        UniqueConstraint("merchant_id", "business_date"),
        # The worker's per-pass look for payouts still waiting for the bank's answer.
        Index("ix_settlements_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[Id]
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"))
    business_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, Korea time
    gross_amount: Mapped[int] = mapped_column(BigInteger)  # payments
    cancel_amount: Mapped[int] = mapped_column(BigInteger)  # cancels
    fee_amount: Mapped[int] = mapped_column(BigInteger)  # net fee (cancels give fees back)
    net_amount: Mapped[int] = mapped_column(BigInteger)  # gross - cancels - fee
    # open → paying → paid | failed (retried) ; nothing when there is nothing to pay
    status: Mapped[str] = mapped_column(String(16), default="open")
    bank_code: Mapped[str] = mapped_column(String(3), default="")
    account_number: Mapped[str] = mapped_column(String(20), default="")
    holder_name: Mapped[str] = mapped_column(String(50), default="")
    bank_tran_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    pending_transfer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ledger_transfers.id")
    )
    bank_result_code: Mapped[str] = mapped_column(String(16), default="")
    bank_message: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SettlementLine(Base):
    __tablename__ = "settlement_lines"

    id: Mapped[Id]
    settlement_id: Mapped[int] = mapped_column(BigId, ForeignKey("settlements.id"), index=True)
    payment_action_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("payment_actions.id"), unique=True
    )
    tid: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))  # PAYMENT | CANCEL
    amount: Mapped[int] = mapped_column(BigInteger)  # signed: a cancel is negative
    fee: Mapped[int] = mapped_column(BigInteger)  # signed: a cancel gives its fee back
    created_at: Mapped[Timestamp]
