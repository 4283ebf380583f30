"""Merchants and their CIDs (merchant codes of the KakaoPay-compatible API)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[Id]
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(
        String(16), default="active"
    )  # pending | active | suspended
    fee_bp: Mapped[int] = mapped_column(Integer, default=250)
    # Only SHA-256 digests of the keys are kept; the keys are shown once, at creation/rotation.
    admin_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    secret_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Timestamp]


class MerchantCid(Base):
    __tablename__ = "merchant_cids"

    cid: Mapped[str] = mapped_column(String(10), primary_key=True)
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="onetime")  # onetime | subscription
    created_at: Mapped[Timestamp]
