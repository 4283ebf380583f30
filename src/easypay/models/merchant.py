"""Merchants and their CIDs (merchant codes of the KakaoPay-compatible API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[Id]
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(
        String(16), default="active"
    )  # pending | active | suspended | rejected
    fee_bp: Mapped[int] = mapped_column(Integer, default=250)
    # Only SHA-256 digests of the keys are kept; the keys are shown once, at creation/rotation.
    admin_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    secret_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user who runs the merchant's dashboard (the applicant of a self sign-up).
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    business_number: Mapped[str] = mapped_column(String(12), default="")
    # Where settlements are paid (empty until set; no payout without it).
    settlement_bank_code: Mapped[str] = mapped_column(String(3), default="")
    settlement_account_number: Mapped[str] = mapped_column(String(20), default="")
    settlement_holder_name: Mapped[str] = mapped_column(String(50), default="")
    # Standard Webhooks endpoint; the signing secret ("whsec_" + base64) is kept encrypted with
    # the server secret, because signing needs it back (unlike API keys, which are hashed).
    webhook_url: Mapped[str] = mapped_column(String(255), default="")
    webhook_secret_encrypted: Mapped[str] = mapped_column(String(255), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[Timestamp]


class MerchantCid(Base):
    __tablename__ = "merchant_cids"

    cid: Mapped[str] = mapped_column(String(10), primary_key=True)
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="onetime")  # onetime | subscription
    created_at: Mapped[Timestamp]
