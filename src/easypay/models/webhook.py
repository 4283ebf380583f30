"""EasyPay's own merchant webhooks (Standard Webhooks): each event once, with every delivery
attempt logged so the merchant dashboard can show it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_merchant_id_id", "merchant_id", "id"),)

    id: Mapped[Id]
    msg_id: Mapped[str] = mapped_column(String(40), unique=True)  # the webhook-id header
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"))
    type: Mapped[str] = mapped_column(String(40))  # payment.approved | payment.canceled | ...
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body that is signed and sent
    url: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[Timestamp]


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[Id]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_events.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(300), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[Timestamp]
