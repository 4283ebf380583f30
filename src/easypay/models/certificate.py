"""Certificates (인증서): each user's certificates with their lifecycle, every event (each with
its transparency-log leaf), the CRLs, and the institutions that ask users to sign.

A certificate's serial is a random 128-bit number, stored as hex (it does not fit BIGINT).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Base, BigId, Id, Timestamp, UtcDateTime


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_user_id_status", "user_id", "status"),)

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    serial_hex: Mapped[str] = mapped_column(String(40), unique=True)
    # active | suspended | revoked (reissued, or superseded by a renewal) | deleted
    status: Mapped[str] = mapped_column(String(16), default="active")
    custody: Mapped[str] = mapped_column(String(8))  # server | device
    pem: Mapped[str] = mapped_column(Text)
    not_before: Mapped[Timestamp]
    not_after: Mapped[Timestamp]
    # Server custody: the private key sealed with the certificate PIN and the server secret.
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # 5 wrong PINs
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str] = mapped_column(String(32), default="")
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replaces_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("certificates.id"))
    # Which issuing CA signed it (certificate/authority.py: generations after each rollover).
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class CertificateEvent(Base):
    """Issue, renewal, reissue, suspension, restore, deletion, sign-in or signature: written with
    its log leaf in the same transaction (the leaf holds no personal data)."""

    __tablename__ = "certificate_events"

    id: Mapped[Id]
    certificate_id: Mapped[int] = mapped_column(BigId, ForeignKey("certificates.id"), index=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    tlog_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[Timestamp]


class CertificateRevocationList(Base):
    """Every CRL issued (the newest of each issuing CA generation is served); numbers only
    grow, one sequence for all generations."""

    __tablename__ = "certificate_crls"
    __table_args__ = (Index("ix_certificate_crls_generation_number", "generation", "number"),)

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    der: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Timestamp]


class Institution(Base):
    """A relying party (bank, insurer, government office) that asks users to sign."""

    __tablename__ = "institutions"

    id: Mapped[Id]
    name: Mapped[str] = mapped_column(String(100))
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended
    created_at: Mapped[Timestamp]


class SignRequest(Base):
    """An institution's request for a user's signature (or identity check, or sign-in): the
    user approves with the certificate PIN or rejects; the institution collects the result once,
    within 10 minutes of the signature."""

    __tablename__ = "sign_requests"
    __table_args__ = (Index("ix_sign_requests_user_id_status", "user_id", "status"),)

    id: Mapped[Id]
    receipt_id: Mapped[str] = mapped_column(String(40), unique=True)
    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institutions.id"), index=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="sign")  # sign | identity | signin
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str | None] = mapped_column(Text)  # what to sign, or
    document_hash: Mapped[str | None] = mapped_column(String(64))  # its SHA-256 (hex)
    # pending → signed | rejected | expired ; signed → collected
    status: Mapped[str] = mapped_column(String(16), default="pending")
    expires_at: Mapped[Timestamp]
    certificate_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("certificates.id"))
    cms_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    jws: Mapped[str | None] = mapped_column(Text)
    tlog_index: Mapped[int | None] = mapped_column(BigInteger)
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    collected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[Timestamp]


class CertificateChallenge(Base):
    """A sign-in challenge (certificate/signin.py): single use, short-lived. Only the SHA-256 of
    the message to be signed is kept, never the challenge itself; the phone only as a keyed hash.
    `certificate_id` is None for a decoy (the phone had no usable certificate), which answers
    like a real one so the challenge reveals nothing about the phone."""

    __tablename__ = "certificate_challenges"

    id: Mapped[Id]
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    phone_ref: Mapped[str] = mapped_column(String(64), index=True)
    certificate_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("certificates.id"))
    message_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    # "" (open) → used → signed_in | wrong_pin (the other refusals leave "used")
    outcome: Mapped[str] = mapped_column(String(16), default="", server_default="")
    expires_at: Mapped[Timestamp]
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[Timestamp]
