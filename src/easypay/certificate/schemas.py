"""Request and response bodies of the certificate API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CertificatePin = Field(None, pattern=r"^[0-9]{6}$", description="6-digit certificate PIN.")
PaymentPin = Field(min_length=1, max_length=32, description="The payment PIN (re-authentication).")
CsrPem = Field(None, min_length=1, max_length=16384, description="PEM CSR (device-held key).")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyBody(_Body):
    pin: str | None = CertificatePin
    csr_pem: str | None = CsrPem
    payment_pin: str = PaymentPin


class ReissueBody(KeyBody):
    reason: Literal["forgotten_pin", "lost_device"] = "forgotten_pin"


class PaymentPinBody(_Body):
    payment_pin: str = PaymentPin


class PinBody(_Body):
    pin: str = Field(min_length=1, max_length=32, description="The 6-digit certificate PIN.")


class EventRead(BaseModel):
    kind: str
    tlog_index: int
    detail: dict[str, Any]
    created_at: datetime


class CertificateRead(BaseModel):
    id: int
    serial_hex: str
    status: str
    custody: str
    pem: str
    not_before: datetime
    not_after: datetime
    locked: bool
    revocation_reason: str
    replaces_id: int | None
    events: list[EventRead] = []


class CertificateList(BaseModel):
    items: list[CertificateRead]
