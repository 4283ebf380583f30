"""One-time in-store payment codes: random digits, valid 3 minutes, used once, and carrying no
personal data. Only their SHA-256 digest is stored, so a copy of the database cannot pay."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class PaymentCode(Base):
    __tablename__ = "payment_codes"

    id: Mapped[Id]
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(8), default="MONEY")  # MONEY | CARD
    card_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cards.id"))
    created_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("payments.id"))
