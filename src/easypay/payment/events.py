"""What a payment tells the world when it changes: the merchant's webhook (when configured) and
the buyer's inbox (a receipt), both in the transaction of the change.

One data shape for every channel (online, POS, recurring), so a merchant handles them alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.models import Merchant, Payment
from easypay.notification.service import notify
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


async def tell(
    session: AsyncSession,
    payment: Payment,
    event_type: str,
    extra: dict[str, Any] | None = None,
    amount: int | None = None,
) -> None:
    """The webhook and the receipt of one change."""
    # Held until both are written: the session's identity map keeps objects weakly, and without
    # this reference each of the two would read the merchant again.
    merchant = await session.get(Merchant, payment.merchant_id)
    await announce(session, payment, event_type, extra)
    await receipt(session, payment, event_type, amount)
    del merchant


async def announce(
    session: AsyncSession, payment: Payment, event_type: str, extra: dict[str, Any] | None = None
) -> None:
    await publish(session, payment.merchant_id, event_type, payment_data(payment, extra))


async def receipt(
    session: AsyncSession, payment: Payment, event_type: str, amount: int | None = None
) -> None:
    """The buyer's receipt in the inbox: paid, or (part of it) canceled."""
    if payment.buyer_id is None:
        return
    merchant = await session.get(Merchant, payment.merchant_id)
    kind = "payment.paid" if event_type == APPROVED else "payment.canceled"
    data = {
        "merchant": merchant.name if merchant else "",
        "item_name": payment.item_name,
        "amount": payment.total_amount if amount is None else amount,
        "tid": payment.tid,
        "channel": payment.channel,
        "method": payment.payment_method_type,
    }
    await notify(session, payment.buyer_id, kind, data)
