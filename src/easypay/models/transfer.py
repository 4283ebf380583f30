"""Transfers between people (held in escrow until received), the daily sending totals behind
the limits, and money requests (plain requests and dutch pay)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Amount, Base, BigId, Id, Timestamp, UtcDateTime


class PersonTransfer(Base):
    """Pay Money sent to a person: `sent` (held in escrow) → `received` | `declined` |
    `canceled` | `returned` (not received in time). Each end is reached at most once."""

    __tablename__ = "person_transfers"
    __table_args__ = (
        Index("ix_person_transfers_status_expires_at", "status", "expires_at"),
        Index("ix_person_transfers_status_remind_at", "status", "remind_at"),
        Index("ix_person_transfers_recipient_phone_status", "recipient_phone", "status"),
    )

    id: Mapped[Id]
    sender_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    # None while the phone number has no EasyPay account; set when its owner signs up.
    recipient_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    recipient_phone: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Amount]
    message: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="sent")
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    hold_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transfers.id"))
    limit_day: Mapped[date] = mapped_column(Date)  # the (KST) day its amount counts against
    expires_at: Mapped[Timestamp]
    remind_at: Mapped[Timestamp]
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[Timestamp]
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TransferDailyTotal(Base):
    """What a user has sent on one (KST) day; one conditional upsert keeps it under the limit
    even when transfers are sent at the same moment."""

    __tablename__ = "transfer_daily_totals"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    amount: Mapped[Amount]


class MoneyRequest(Base):
    """A request for money (`kind` request) or a dutch pay (`kind` dutch: a bill split among
    participants; the organiser's own share is never requested). open → closed."""

    __tablename__ = "money_requests"

    id: Mapped[Id]
    requester_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # request | dutch
    title: Mapped[str] = mapped_column(String(100), default="")
    total: Mapped[Amount]  # dutch: the whole bill; request: the sum asked for
    split: Mapped[str] = mapped_column(String(8), default="")  # dutch: even | amounts
    requester_share: Mapped[Amount]  # dutch: the organiser's own part; request: 0
    status: Mapped[str] = mapped_column(String(8), default="open")
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[Timestamp]
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MoneyRequestItem(Base):
    """One person's part of a money request: pending → paid | declined."""

    __tablename__ = "money_request_items"
    __table_args__ = (UniqueConstraint("money_request_id", "payer_id"),)

    id: Mapped[Id]
    money_request_id: Mapped[int] = mapped_column(BigId, ForeignKey("money_requests.id"))
    payer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    amount: Mapped[Amount]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    ledger_transfer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transfers.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
