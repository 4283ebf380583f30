"""The transactional outbox: jobs written with the change that causes them, run by the worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, Id, Timestamp, UtcDateTime


class OutboxJob(Base):
    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_due", "state", "run_at"),)

    id: Mapped[Id]
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | dead
    run_at: Mapped[Timestamp]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Timestamp]
