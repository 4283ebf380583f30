"""Saved answers of value-moving HTTP calls, keyed by caller, endpoint and Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, Id, Timestamp, UtcDateTime


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "endpoint", "key", name="uq_idempotency_call"),)

    id: Mapped[Id]
    scope: Mapped[str] = mapped_column(String(64))  # "user:12", "merchant:3"
    endpoint: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # in_progress | done
    locked_until: Mapped[datetime] = mapped_column(UtcDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]
