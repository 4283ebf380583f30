"""The inbox: messages to one user about something that happened (a transfer, a request, ...).

A message is stored as its kind and its facts (`data`), not as text, so that it reads in the
language the user has chosen when they read it (notification/messages.py words it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))  # e.g. transfer.sent, request.paid
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(200), default="")  # the page it is about
    created_at: Mapped[Timestamp]
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
