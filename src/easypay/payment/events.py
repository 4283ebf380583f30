"""What a payment tells the world when it changes: the merchant's webhook (when configured).

One data shape for every channel (online, POS, recurring), so a merchant handles them alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import Payment
from easypay.webhook.events import publish

APPROVED = "payment.approved"
CANCELED = "payment.canceled"


def payment_data(payment: Payment, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "tid": payment.tid,
        "cid": payment.cid,
        "channel": payment.channel,
        "partner_order_id": payment.partner_order_id,
        "pos_request_id": payment.pos_request_id,
        "status": payment.status,
        "payment_method_type": payment.payment_method_type,
        "total_amount": payment.total_amount,
        "canceled_amount": payment.canceled_amount,
        "cancel_available_amount": payment.total_amount - payment.canceled_amount,
        "approved_at": payment.approved_at.isoformat() if payment.approved_at else None,
        "canceled_at": payment.canceled_at.isoformat() if payment.canceled_at else None,
        **(extra or {}),
    }


async def announce(
    session: AsyncSession, payment: Payment, event_type: str, extra: dict[str, Any] | None = None
) -> None:
    await publish(session, payment.merchant_id, event_type, payment_data(payment, extra))
