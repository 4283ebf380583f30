"""People: users (and operators), their sign-in sessions, their friends."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[Id]
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    birth_date: Mapped[date] = mapped_column(Date)
    password_hash: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(64))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    auto_charge_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(5), default="ko")
    created_at: Mapped[Timestamp]


class UserSession(Base):
    """An opaque sign-in token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # "web" (cookie) or "api" (Bearer)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[Timestamp]
    last_seen_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Friend(Base):
    __tablename__ = "friends"
    __table_args__ = (UniqueConstraint("user_id", "friend_user_id"),)

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    friend_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[Timestamp]
