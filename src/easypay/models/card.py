"""Cards a user registered with a card issuer. EasyPay keeps the issuer's token for the card,
never its number: only the BIN (first 6 digits) and the last 4 are shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    issuer_token: Mapped[str] = mapped_column(String(64), unique=True)
    corp_code: Mapped[str] = mapped_column(String(8))  # the issuer's code, e.g. "SBX"
    corp_name: Mapped[str] = mapped_column(String(40))
    bin: Mapped[str] = mapped_column(String(6))
    last4: Mapped[str] = mapped_column(String(4))
    card_type: Mapped[str] = mapped_column(String(8))  # 신용 | 체크
    nickname: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | removed
    created_at: Mapped[Timestamp]
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
