"""Recurring payments: the `sid` issued at a subscription CID's first approval, with which the
merchant charges the same buyer and method again, server to server, until it is inactivated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[Id]
    sid: Mapped[str] = mapped_column(String(20), unique=True)
    cid: Mapped[str] = mapped_column(String(10), ForeignKey("merchant_cids.cid"))
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    partner_user_id: Mapped[str] = mapped_column(String(100))
    payment_method_type: Mapped[str] = mapped_column(String(8))  # MONEY | CARD
    card_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cards.id"))
    item_name: Mapped[str] = mapped_column(String(100))
    first_payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id"))
    status: Mapped[str] = mapped_column(String(10), default="ACTIVE")  # ACTIVE | INACTIVE
    created_at: Mapped[Timestamp]
    last_approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    inactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
