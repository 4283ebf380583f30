"""Tables of the sandbox card issuer (its own, prefixed `sandbox_card_`; never read by EasyPay
code, which talks to the issuer over HTTP only)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Amount, Base, BigId, Id, Timestamp


class SandboxCard(Base):
    __tablename__ = "sandbox_cards"
    __table_args__ = (
        CheckConstraint("used <= credit_limit", name="within_limit"),
        CheckConstraint("used >= 0", name="used_not_negative"),
    )

    id: Mapped[Id]
    number: Mapped[str] = mapped_column(String(19), unique=True)
    expiry: Mapped[str] = mapped_column(String(4))  # MMYY
    holder_name: Mapped[str] = mapped_column(String(50))
    corp_code: Mapped[str] = mapped_column(String(8))
    corp_name: Mapped[str] = mapped_column(String(40))
    card_type: Mapped[str] = mapped_column(String(8))  # 신용 | 체크
    credit_limit: Mapped[Amount]
    used: Mapped[Amount]
    # The token handed to the wallet at registration (one card, one token).
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|lost|suspended
    created_at: Mapped[Timestamp]


class SandboxCardAuthorization(Base):
    """One authorisation; `request_id` is the issuer's idempotency key (a retry gets the same
    answer), `approval_id` the approval number printed on receipts."""

    __tablename__ = "sandbox_card_authorizations"
    __table_args__ = (
        CheckConstraint("captured_amount <= amount", name="capture_within_amount"),
        CheckConstraint("canceled_amount <= amount", name="cancel_within_amount"),
    )

    id: Mapped[Id]
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    approval_id: Mapped[str] = mapped_column(String(20), unique=True)
    card_id: Mapped[int] = mapped_column(BigId, index=True)
    merchant_name: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[Amount]
    captured_amount: Mapped[Amount]
    canceled_amount: Mapped[Amount]
    install_month: Mapped[int] = mapped_column(Integer, default=0)
    # authorized | captured | canceled | declined
    state: Mapped[str] = mapped_column(String(16))
    decline_code: Mapped[str] = mapped_column(String(16), default="")
    response_json: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class SandboxCardFault(Base):
    """An instruction to misbehave: decline with a code, time out, or fail after succeeding."""

    __tablename__ = "sandbox_card_faults"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    id: Mapped[Id]
    operation: Mapped[str] = mapped_column(String(16))  # authorize | capture | cancel | any
    card_number: Mapped[str] = mapped_column(String(19), default="*")
    mode: Mapped[str] = mapped_column(String(24))  # decline | timeout | fail_after_success
    decline_code: Mapped[str] = mapped_column(String(16), default="")
    remaining: Mapped[int] = mapped_column(Integer, default=1)
    delay_seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[Timestamp]
