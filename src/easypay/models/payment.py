"""Online payments of the KakaoPay-compatible merchant API, and each action on them.

A payment is created by `ready`, authorised by the buyer at the hosted checkout (the money is
held), captured by `approve`, and canceled in part or in full. Every approval, cancel and
charge is a `PaymentAction` with its own `aid`. The funding breakdown (money, card, points,
coupon discount) is kept on the payment so later funding sources join without a redesign.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Amount, Base, BigId, Id, Timestamp, UtcDateTime


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_merchant_id_id", "merchant_id", "id"),
        Index("ix_payments_status_expires_at", "status", "expires_at"),
        # A POS retry with the same request id finds the first payment instead of charging.
        UniqueConstraint("merchant_id", "pos_request_id"),
    )

    id: Mapped[Id]
    tid: Mapped[str] = mapped_column(String(20), unique=True)
    cid: Mapped[str] = mapped_column(String(10), ForeignKey("merchant_cids.cid"))
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"))
    partner_order_id: Mapped[str] = mapped_column(String(100))
    partner_user_id: Mapped[str] = mapped_column(String(100))
    item_name: Mapped[str] = mapped_column(String(100))
    item_code: Mapped[str] = mapped_column(String(100), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[Amount]
    tax_free_amount: Mapped[Amount]
    vat_amount: Mapped[Amount]
    green_deposit: Mapped[Amount]
    approval_url: Mapped[str] = mapped_column(String(255))
    cancel_url: Mapped[str] = mapped_column(String(255))
    fail_url: Mapped[str] = mapped_column(String(255))
    allowed_method: Mapped[str] = mapped_column(String(8), default="")  # CARD | MONEY | "" both
    payment_method_type: Mapped[str] = mapped_column(String(8), default="")
    custom_json: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(12), default="ONLINE")  # ONLINE | POS | RECURRING
    pos_request_id: Mapped[str | None] = mapped_column(String(64))
    sid: Mapped[str | None] = mapped_column(String(20), index=True)
    # A card payment: the card, the issuer's approval number, the instalment months asked for.
    card_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cards.id"))
    card_approval_id: Mapped[str | None] = mapped_column(String(20))
    install_month: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(24), default="READY")
    buyer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    pg_token_hash: Mapped[str | None] = mapped_column(String(64))
    hold_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transfers.id"))
    # The funding breakdown of what was paid (KRW): adds up to total_amount once approved.
    money_amount: Mapped[Amount]
    card_amount: Mapped[Amount]
    point_amount: Mapped[Amount]
    discount_amount: Mapped[Amount]
    # Cumulative cancels.
    canceled_amount: Mapped[Amount]
    canceled_tax_free_amount: Mapped[Amount]
    canceled_vat_amount: Mapped[Amount]
    created_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PaymentAction(Base):
    """One approval (PAYMENT), cancel (CANCEL) or subscription key issue (ISSUED_SID)."""

    __tablename__ = "payment_actions"

    id: Mapped[Id]
    aid: Mapped[str] = mapped_column(String(20), unique=True)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # PAYMENT | CANCEL | ISSUED_SID
    amount: Mapped[Amount]
    tax_free_amount: Mapped[Amount]
    vat_amount: Mapped[Amount]
    point_amount: Mapped[Amount]
    discount_amount: Mapped[Amount]
    green_deposit: Mapped[Amount]
    # Where this action's money went or came back from (money + card = amount - point - discount).
    money_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    card_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    payload: Mapped[str] = mapped_column(String(200), default="")
    ledger_transfer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transfers.id"))
    created_at: Mapped[Timestamp]
