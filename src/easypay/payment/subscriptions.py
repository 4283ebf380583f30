"""Recurring payments: charges the merchant makes with a `sid`, server to server, with no buyer
at a checkout; and the subscription's inactivation and status.

A charge pays with the method of the first approval. Anything that talks to the bank (an
auto-charge of the shortfall) or to the card issuer (the authorisation) happens before the
payment's transaction; if that transaction then fails, a card authorisation is released at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card.gateway import CardDeclined, CardIssuer, CardIssuerError
from easypay.config import Settings
from easypay.db import Database
from easypay.errors import EasyPayError
from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.ledger.accounts import CARD_CLEARING
from easypay.ledger.schemas import TransferRequest
from easypay.merchant import service as merchant_service
from easypay.models import Card, Merchant, Payment, PaymentAction, Subscription, User
from easypay.models.base import table_of
from easypay.money import service as money
from easypay.money.gateway import BankGateway
from easypay.payment import card_jobs, service
from easypay.payment.errors import (
    InvalidParameter,
    SubscriptionChargeFailed,
    SubscriptionInactive,
    SubscriptionNotFound,
)


@dataclass(frozen=True)
class Charge:
    cid: str
    sid: str
    partner_order_id: str
    partner_user_id: str
    item_name: str
    quantity: int
    total_amount: int
    tax_free_amount: int
    item_code: str = ""
    vat_amount: int | None = None
    payload: str = ""


@dataclass(frozen=True)
class _Plan:
    """What a charge will use, read before any outside call."""

    buyer: User
    merchant_name: str
    method: str
    card_id: int
    card_token: str | None
    vat: int


async def find(session: AsyncSession, merchant: Merchant, cid: str, sid: str) -> Subscription:
    await service.check_cid(session, merchant, cid)
    statement = select(Subscription).where(Subscription.sid == sid)
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None or found.merchant_id != merchant.id or found.cid != cid:
        raise SubscriptionNotFound()
    return found


async def inactivate(session: AsyncSession, merchant: Merchant, cid: str, sid: str) -> Subscription:
    """Stop a subscription (repeating it is harmless: it stays inactive)."""
    subscription = await find(session, merchant, cid, sid)
    table = table_of(Subscription)
    await session.execute(
        update(table)
        .where(table.c.id == subscription.id, table.c.status == "ACTIVE")
        .values(status="INACTIVE", inactivated_at=clock.now())
    )
    await session.refresh(subscription)
    return subscription


async def charge(
    database: Database,
    bank: BankGateway,
    issuer: CardIssuer,
    settings: Settings,
    merchant: Merchant,
    request: Charge,
) -> tuple[Payment, PaymentAction]:
    tid = service.new_tid()
    async with database.transaction() as session:
        plan = await _plan(session, merchant, request)
    approval_id = None
    try:
        if plan.method == "CARD":
            assert plan.card_token is not None
            approval = await card_jobs.authorize(
                issuer,
                card_jobs.authorize_request_id(tid, plan.card_id),
                plan.card_token,
                request.total_amount,
                plan.merchant_name,
                0,
            )
            approval_id = approval.approval_id
        else:
            await money.auto_charge(
                database, bank, settings, plan.buyer, request.total_amount, f"{tid}:charge"
            )
    except CardDeclined as declined:
        raise SubscriptionChargeFailed(f"The card was declined ({declined.code}).") from declined
    except (CardIssuerError, EasyPayError) as failure:
        raise SubscriptionChargeFailed(str(failure)) from failure
    try:
        async with database.transaction() as session:
            return await _book(session, merchant, request, plan, tid, approval_id)
    except BaseException:
        if approval_id is not None:  # nothing was booked: give the authorisation back now
            await card_jobs.release(
                issuer, card_jobs.release_request_id(tid), approval_id, request.total_amount
            )
        raise


async def _plan(session: AsyncSession, merchant: Merchant, request: Charge) -> _Plan:
    subscription = await find(session, merchant, request.cid, request.sid)
    if subscription.status != "ACTIVE":
        raise SubscriptionInactive()
    if request.partner_user_id != subscription.partner_user_id:
        raise InvalidParameter("partner_user_id does not match the subscription")
    vat = service.checked_amounts(
        request.total_amount, request.tax_free_amount, request.vat_amount, request.quantity
    )
    buyer = await session.get(User, subscription.buyer_id)
    assert buyer is not None
    if buyer.status != "active":
        raise SubscriptionChargeFailed("The buyer's account is not active.")
    token, card_id = None, 0
    if subscription.payment_method_type == "CARD":
        card = await session.get(Card, subscription.card_id) if subscription.card_id else None
        if card is None or card.status != "active":
            raise SubscriptionChargeFailed("The subscription's card is no longer registered.")
        token, card_id = card.issuer_token, card.id
    return _Plan(buyer, merchant.name, subscription.payment_method_type, card_id, token, vat)


async def _book(
    session: AsyncSession,
    merchant: Merchant,
    request: Charge,
    plan: _Plan,
    tid: str,
    approval_id: str | None,
) -> tuple[Payment, PaymentAction]:
    subscription = await find(session, merchant, request.cid, request.sid)
    now = clock.now()
    table = table_of(Subscription)
    still_active = await session.execute(
        update(table)
        .where(table.c.id == subscription.id, table.c.status == "ACTIVE")
        .values(last_approved_at=now)
    )
    if not getattr(still_active, "rowcount", 0):
        raise SubscriptionInactive()
    card = plan.method == "CARD"
    total = request.total_amount
    payment = service.new_payment(
        tid,
        merchant,
        service.ReadyRequest(
            cid=request.cid,
            partner_order_id=request.partner_order_id,
            partner_user_id=request.partner_user_id,
            item_name=request.item_name,
            item_code=request.item_code,
            quantity=request.quantity,
            total_amount=total,
            tax_free_amount=request.tax_free_amount,
            vat_amount=plan.vat,
            approval_url="",
            cancel_url="",
            fail_url="",
        ),
        expires_at=now,
    )
    payment.channel = "RECURRING"
    payment.sid = subscription.sid
    payment.status = "SUCCESS_PAYMENT"
    payment.buyer_id = plan.buyer.id
    payment.payment_method_type = plan.method
    payment.card_id = subscription.card_id if card else None
    payment.card_approval_id = approval_id
    payment.approved_at = now
    payment.money_amount = 0 if card else total
    payment.card_amount = total if card else 0
    session.add(payment)
    await session.flush()
    if card:
        debit = await ledger.system_account_id(session, CARD_CLEARING)
    else:
        debit = (await ledger.user_wallet(session, plan.buyer.id)).id
    booked = await ledger.transfer(
        session,
        TransferRequest(
            debit_account_id=debit,
            credit_account_id=await merchant_service.payable_account(session, merchant.id),
            amount=total,
            code="payment",
            key=f"payment:{tid}:post",
            reference=f"payment:{tid}",
        ),
    )
    if card:
        await card_jobs.enqueue_capture(session, payment)
    action = await service.record_action(
        session,
        payment,
        "PAYMENT",
        total,
        request.tax_free_amount,
        plan.vat,
        request.payload,
        booked.id,
    )
    await service.paid(session, payment)
    return payment, action
