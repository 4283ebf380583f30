"""Online payment rules: ready → the buyer authorises at the hosted checkout (PIN; the money is
held) → approve (captured) → cancel, in part or in full, until nothing is left.

The buyer picks a method at the checkout (SELECT_METHOD), then enters the PIN; five wrong PINs
end the payment as FAIL_AUTH_PASSWORD.
- Pay Money: the wallet is held for the total at the PIN (auto-charging the shortfall first when
  allowed), posted to the merchant's payable account by `approve`, refunded by `cancel`.
- Card: the issuer authorises the total at the PIN (an HTTP call made before this module runs);
  `approve` books card clearing → payable and leaves the capture (매입) to the worker; `cancel`
  books payable → card clearing and leaves the refund to the issuer to the worker
  (payment/card_jobs.py). No HTTP call is ever made inside a database transaction here.
An unapproved payment expires; a card authorisation it held is released by the worker.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card import repository as card_repository
from easypay.config import Settings
from easypay.kit.clock import clock
from easypay.kit.crypto import constant_time_equal, sha256_hex
from easypay.ledger import service as ledger
from easypay.ledger.accounts import CARD_CLEARING
from easypay.ledger.schemas import TransferRequest
from easypay.merchant.service import payable_account
from easypay.models import Card, Merchant, MerchantCid, Payment, PaymentAction, Subscription, User
from easypay.payment import card_jobs, events, repository
from easypay.payment.errors import (
    AlreadyPaid,
    ApprovalFailed,
    BuyerNotFinished,
    CancelFailed,
    CardNotUsable,
    InvalidParameter,
    InvalidPgToken,
    MethodNotAllowed,
    PaymentExpired,
    PaymentNotFound,
    UnknownCid,
)

PENDING = ("READY", "SEND_TMS", "OPEN_PAYMENT", "SELECT_METHOD", "ARS_WAITING", "AUTH_PASSWORD")
BEFORE_PIN = ("READY", "SEND_TMS", "OPEN_PAYMENT", "SELECT_METHOD", "ARS_WAITING")
METHODS = ("MONEY", "CARD")
MAX_INSTALL_MONTH = 12
PAID = ("SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT")
MAX_AMOUNT = 10**12
MAX_QUANTITY = 2**31 - 1  # the column is a 32-bit integer


def _digits_id(prefix: str) -> str:
    return prefix + f"{secrets.randbelow(10**19):019d}"


def default_vat(total: int, tax_free: int) -> int:
    """round_half_up((total - tax_free) / 11), in integers."""
    return ((total - tax_free) * 2 + 11) // 22


@dataclass(frozen=True)
class ReadyRequest:
    cid: str
    partner_order_id: str
    partner_user_id: str
    item_name: str
    quantity: int
    total_amount: int
    tax_free_amount: int
    approval_url: str
    cancel_url: str
    fail_url: str
    item_code: str = ""
    vat_amount: int | None = None
    green_deposit: int = 0
    payment_method_type: str = ""
    custom_json: str = ""
    install_month: int = 0


def checked_amounts(total: int, tax_free: int, vat: int | None, quantity: int) -> int:
    """Check an order's amounts; returns its VAT (the default when not given)."""
    if not 0 < total <= MAX_AMOUNT:
        raise InvalidParameter("total_amount must be positive")
    if not 0 <= tax_free <= total:
        raise InvalidParameter("tax_free_amount must be between 0 and total_amount")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidParameter(f"quantity must be between 1 and {MAX_QUANTITY}")
    vat = default_vat(total, tax_free) if vat is None else vat
    if not 0 <= vat <= total - tax_free:
        raise InvalidParameter("vat_amount is out of range")
    return vat


async def check_cid(session: AsyncSession, merchant: Merchant, cid: str) -> None:
    found = await repository.cid_of(session, cid)
    if found is None or found.merchant_id != merchant.id:
        raise UnknownCid()


async def ready(
    session: AsyncSession, settings: Settings, merchant: Merchant, r: ReadyRequest
) -> Payment:
    await check_cid(session, merchant, r.cid)
    vat = checked_amounts(r.total_amount, r.tax_free_amount, r.vat_amount, r.quantity)
    if not 0 <= r.green_deposit <= r.total_amount:
        raise InvalidParameter("green_deposit is out of range")
    if r.payment_method_type not in ("", *METHODS):
        raise InvalidParameter("payment_method_type must be CARD or MONEY")
    if not 0 <= r.install_month <= MAX_INSTALL_MONTH:
        raise InvalidParameter(f"install_month must be between 0 and {MAX_INSTALL_MONTH}")
    payment = new_payment(
        new_tid(),
        merchant,
        replace(r, vat_amount=vat),
        clock.now() + timedelta(minutes=settings.payment_ready_minutes),
    )
    session.add(payment)
    await session.flush()
    return payment


def new_tid() -> str:
    return _digits_id("T")


def new_payment(tid: str, merchant: Merchant, r: ReadyRequest, expires_at: datetime) -> Payment:
    """A payment row as `ready` (or a recurring charge) starts it; nothing paid yet. The
    amounts were checked by `checked_amounts` (which also settled the VAT)."""
    assert r.vat_amount is not None
    return Payment(
        tid=tid,
        cid=r.cid,
        merchant_id=merchant.id,
        partner_order_id=r.partner_order_id,
        partner_user_id=r.partner_user_id,
        item_name=r.item_name,
        item_code=r.item_code,
        quantity=r.quantity,
        total_amount=r.total_amount,
        tax_free_amount=r.tax_free_amount,
        vat_amount=r.vat_amount,
        green_deposit=r.green_deposit,
        approval_url=r.approval_url,
        cancel_url=r.cancel_url,
        fail_url=r.fail_url,
        allowed_method=r.payment_method_type,
        payment_method_type="",
        custom_json=r.custom_json,
        install_month=r.install_month,
        status="READY",
        buyer_id=None,
        pg_token_hash=None,
        hold_id=None,
        money_amount=0,
        card_amount=0,
        point_amount=0,
        discount_amount=0,
        canceled_amount=0,
        canceled_tax_free_amount=0,
        canceled_vat_amount=0,
        created_at=clock.now(),
        expires_at=expires_at,
        approved_at=None,
        canceled_at=None,
    )


# --- the buyer, at the hosted checkout ---------------------------------------------------------


async def checkout_payment(session: AsyncSession, tid: str) -> Payment:
    """The payment a checkout page shows; opening it marks OPEN_PAYMENT."""
    payment = await repository.payment_by_tid(session, tid)
    if payment is None:
        raise PaymentNotFound()
    if payment.status == "READY" and payment.expires_at > clock.now():
        await repository.change_status(session, payment.id, ("READY",), "OPEN_PAYMENT")
        await session.refresh(payment)
    return payment


async def select_method(
    session: AsyncSession,
    buyer: User,
    tid: str,
    method: str,
    card_id: int | None = None,
    install_month: int | None = None,
) -> tuple[Payment, Card | None]:
    """The buyer chose how to pay (SELECT_METHOD); the PIN comes next."""
    payment = await repository.payment_by_tid(session, tid)
    if payment is None:
        raise PaymentNotFound()
    if method not in METHODS or payment.allowed_method not in ("", method):
        raise MethodNotAllowed()
    card = None
    if method == "CARD":
        card = await card_repository.card_of(session, buyer, card_id) if card_id else None
        if card is None:
            raise CardNotUsable()
    months = payment.install_month if install_month is None else install_month
    if method == "MONEY" or not 0 <= months <= MAX_INSTALL_MONTH:
        months = 0
    now = clock.now()
    if not await repository.change_status(
        session,
        payment.id,
        BEFORE_PIN,
        "SELECT_METHOD",
        Payment.expires_at > now,
        buyer_id=buyer.id,
        payment_method_type=method,
        card_id=card.id if card else None,
        install_month=months,
    ):
        await _explain_not_waiting(session, payment)
    await session.refresh(payment)
    return payment, card


async def fail_pin(session: AsyncSession, tid: str) -> Payment:
    """The buyer's PIN locked (too many wrong tries): the payment fails as FAIL_AUTH_PASSWORD."""
    payment = await repository.payment_by_tid(session, tid)
    if payment is None:
        raise PaymentNotFound()
    await repository.change_status(session, payment.id, BEFORE_PIN, "FAIL_AUTH_PASSWORD")
    await session.refresh(payment)
    return payment


async def authorize(
    session: AsyncSession,
    settings: Settings,
    buyer: User,
    tid: str,
    card_approval_id: str | None = None,
) -> tuple[Payment, str]:
    """The buyer has entered the right PIN (and, for a card, the issuer has authorised): hold
    the money; returns the pg_token to hand to the merchant through the approval redirect."""
    payment = await repository.payment_by_tid(session, tid)
    if payment is None:
        raise PaymentNotFound()
    if payment.buyer_id != buyer.id or payment.status != "SELECT_METHOD":
        await _explain_not_waiting(session, payment)
    card = payment.payment_method_type == "CARD"
    if card and not card_approval_id:
        raise ApprovalFailed("The card was not authorised.")
    now = clock.now()
    token = secrets.token_hex(10)
    if not await repository.change_status(
        session,
        payment.id,
        ("SELECT_METHOD",),
        "AUTH_PASSWORD",
        Payment.expires_at > now,
        Payment.buyer_id == buyer.id,
        pg_token_hash=sha256_hex(token),
        card_approval_id=card_approval_id if card else None,
    ):
        await _explain_not_waiting(session, payment)
    if not card:
        wallet = await ledger.user_wallet(session, buyer.id)
        payable = await payable_account(session, payment.merchant_id)
        hold = await ledger.transfer(
            session,
            TransferRequest(
                debit_account_id=wallet.id,
                credit_account_id=payable,
                amount=payment.total_amount,
                code="payment",
                pending=True,
                key=f"payment:{payment.tid}:hold",
                reference=f"payment:{payment.tid}",
            ),
        )
        await repository.change_status(
            session, payment.id, ("AUTH_PASSWORD",), "AUTH_PASSWORD", hold_id=hold.id
        )
    await session.refresh(payment)
    return payment, token


async def _explain_not_waiting(session: AsyncSession, payment: Payment) -> None:
    """Raise why the buyer can no longer act on this payment."""
    await session.refresh(payment)
    if payment.status in PENDING and payment.expires_at <= clock.now():
        raise PaymentExpired()
    raise AlreadyPaid("This payment is no longer waiting for the buyer.")


async def quit_checkout(session: AsyncSession, tid: str) -> Payment:
    """The buyer walked away before entering the PIN."""
    payment = await repository.payment_by_tid(session, tid)
    if payment is None:
        raise PaymentNotFound()
    await repository.change_status(session, payment.id, BEFORE_PIN, "QUIT_PAYMENT")
    await session.refresh(payment)
    return payment


# --- the merchant, server to server ------------------------------------------------------------


async def approve(
    session: AsyncSession,
    merchant: Merchant,
    cid: str,
    tid: str,
    partner_order_id: str,
    partner_user_id: str,
    pg_token: str,
    payload: str = "",
    total_amount: int | None = None,
) -> tuple[Payment, PaymentAction]:
    payment = await _merchant_payment(session, merchant, cid, tid)
    if (payment.partner_order_id, payment.partner_user_id) != (partner_order_id, partner_user_id):
        raise InvalidParameter("partner_order_id / partner_user_id do not match the ready call")
    if total_amount is not None and total_amount != payment.total_amount:
        raise InvalidParameter("total_amount does not match the ready call")
    if payment.status in PAID or payment.status == "CANCEL_PAYMENT":
        raise AlreadyPaid()
    if payment.status != "AUTH_PASSWORD":
        # FAIL_PAYMENT past the deadline is the worker's expiry: still "expired" to the merchant.
        expirable = (*PENDING, "FAIL_PAYMENT")
        if payment.status in expirable and payment.expires_at <= clock.now():
            raise PaymentExpired()
        if payment.status in PENDING:
            raise BuyerNotFinished()
        raise ApprovalFailed(f"The payment ended as {payment.status}.")
    if payment.expires_at <= clock.now():
        raise PaymentExpired()
    if payment.pg_token_hash is None or not constant_time_equal(
        sha256_hex(pg_token), payment.pg_token_hash
    ):
        raise InvalidPgToken()
    now = clock.now()
    card = payment.payment_method_type == "CARD"
    total = payment.total_amount
    if not await repository.change_status(
        session,
        payment.id,
        ("AUTH_PASSWORD",),
        "SUCCESS_PAYMENT",
        approved_at=now,
        money_amount=0 if card else total,
        card_amount=total if card else 0,
    ):
        raise AlreadyPaid()
    if card:
        booked = await ledger.transfer(
            session,
            TransferRequest(
                debit_account_id=await ledger.system_account_id(session, CARD_CLEARING),
                credit_account_id=await payable_account(session, payment.merchant_id),
                amount=total,
                code="payment",
                key=f"payment:{payment.tid}:post",
                reference=f"payment:{payment.tid}",
            ),
        )
        await card_jobs.enqueue_capture(session, payment)
    else:
        assert payment.hold_id is not None
        booked = await ledger.post(session, payment.hold_id, key=f"payment:{payment.tid}:post")
    action = await record_action(
        session,
        payment,
        "PAYMENT",
        total,
        payment.tax_free_amount,
        payment.vat_amount,
        payload,
        booked.id,
    )
    if await _is_subscription_cid(session, cid):
        await _issue_sid(session, payment)
    await session.refresh(payment)
    await paid(session, payment)
    return payment, action


async def paid(session: AsyncSession, payment: Payment) -> None:
    """Tell the buyer (inbox) and the merchant (webhook) that a payment went through."""
    await events.tell(session, payment, events.APPROVED)


async def _is_subscription_cid(session: AsyncSession, cid: str) -> bool:
    found = await session.get(MerchantCid, cid)
    return found is not None and found.kind == "subscription"


async def _issue_sid(session: AsyncSession, payment: Payment) -> Subscription:
    """A subscription CID's first approval issues the `sid` later charges use (recurring)."""
    assert payment.buyer_id is not None
    subscription = Subscription(
        sid=_digits_id("S"),
        cid=payment.cid,
        merchant_id=payment.merchant_id,
        buyer_id=payment.buyer_id,
        partner_user_id=payment.partner_user_id,
        payment_method_type=payment.payment_method_type,
        card_id=payment.card_id,
        item_name=payment.item_name,
        first_payment_id=payment.id,
        status="ACTIVE",
        created_at=clock.now(),
        last_approved_at=clock.now(),
        inactivated_at=None,
    )
    session.add(subscription)
    await repository.change_status(
        session, payment.id, ("SUCCESS_PAYMENT",), "SUCCESS_PAYMENT", sid=subscription.sid
    )
    await session.flush()
    return subscription


async def cancel(
    session: AsyncSession,
    merchant: Merchant,
    cid: str,
    tid: str,
    amount: int,
    tax_free: int,
    vat: int | None,
    cancel_available: int | None,
    payload: str = "",
) -> tuple[Payment, PaymentAction]:
    """Give back `amount` (part or all of what remains) to where it came from."""
    # Locked: what remains decides the status and the last cancel's tax-free / VAT parts, so a
    # racing cancel must not read it before this one commits.
    payment = await _merchant_payment(session, merchant, cid, tid, for_update=True)
    if payment.status not in PAID:
        raise CancelFailed("Only a paid payment can be canceled.")
    remaining = payment.total_amount - payment.canceled_amount
    if not 0 < amount <= remaining:
        raise CancelFailed(f"cancel_amount must be between 1 and {remaining}")
    if cancel_available is not None and cancel_available != remaining:
        raise CancelFailed(f"cancel_available_amount is {remaining}")
    if payment.green_deposit and amount != remaining:
        raise CancelFailed("A payment with a green deposit can only be canceled in full.")
    if vat is None:  # the default never claims more VAT than the payment has left
        vat = min(default_vat(amount, tax_free), payment.vat_amount - payment.canceled_vat_amount)
    if tax_free < 0 or vat < 0 or tax_free + vat > amount:
        raise InvalidParameter("cancel_tax_free_amount / cancel_vat_amount are out of range")
    if amount == remaining:  # the last cancel takes whatever tax-free and VAT are left
        tax_free = payment.tax_free_amount - payment.canceled_tax_free_amount
        vat = payment.vat_amount - payment.canceled_vat_amount
    status = "CANCEL_PAYMENT" if amount == remaining else "PART_CANCEL_PAYMENT"
    now = clock.now()
    if not await repository.add_cancel(session, payment.id, amount, tax_free, vat, status, now):
        raise CancelFailed("The cancel does not fit what remains (tax-free / VAT parts included).")
    assert payment.buyer_id is not None
    card = payment.payment_method_type == "CARD"
    if card:  # back to the card: the issuer's refund is made by the worker
        back_to = await ledger.system_account_id(session, CARD_CLEARING)
    else:
        back_to = (await ledger.user_wallet(session, payment.buyer_id)).id
    payable = await payable_account(session, payment.merchant_id)
    number = len(await repository.actions_of(session, payment.id))
    refund = await ledger.transfer(
        session,
        TransferRequest(
            debit_account_id=payable,
            credit_account_id=back_to,
            amount=amount,
            code="payment_cancel",
            key=f"payment:{payment.tid}:cancel:{number}",
            reference=f"payment:{payment.tid}",
        ),
    )
    action = await record_action(
        session, payment, "CANCEL", amount, tax_free, vat, payload, refund.id
    )
    if card:
        await card_jobs.enqueue_refund(session, action)
    await session.refresh(payment)
    await events.tell(session, payment, events.CANCELED, {"cancel_amount": amount}, amount)
    return payment, action


async def order(
    session: AsyncSession, merchant: Merchant, cid: str, tid: str
) -> tuple[Payment, list[PaymentAction]]:
    payment = await _merchant_payment(session, merchant, cid, tid)
    return payment, await repository.actions_of(session, payment.id)


async def expire(session: AsyncSession, payment_id: int) -> bool:
    """The worker's part: an unapproved payment past its time fails; a held amount returns."""
    payment = await session.get(Payment, payment_id)
    if payment is None:
        return False
    if not await repository.change_status(
        session, payment.id, PENDING, "FAIL_PAYMENT", Payment.expires_at <= clock.now()
    ):
        return False
    if payment.hold_id is not None:
        await ledger.void(session, payment.hold_id, key=f"payment:{payment.tid}:void")
    if payment.payment_method_type == "CARD":  # an authorisation may be held at the issuer
        await card_jobs.enqueue_release(session, payment)
    return True


async def _merchant_payment(
    session: AsyncSession, merchant: Merchant, cid: str, tid: str, for_update: bool = False
) -> Payment:
    await check_cid(session, merchant, cid)
    payment = await repository.payment_by_tid(session, tid, for_update=for_update)
    if payment is None or payment.merchant_id != merchant.id or payment.cid != cid:
        raise PaymentNotFound()
    return payment


async def record_action(
    session: AsyncSession,
    payment: Payment,
    kind: str,
    amount: int,
    tax_free: int,
    vat: int,
    payload: str,
    ledger_transfer_id: int | None,
) -> PaymentAction:
    action = PaymentAction(
        aid=_digits_id("A"),
        payment_id=payment.id,
        kind=kind,
        amount=amount,
        tax_free_amount=tax_free,
        vat_amount=vat,
        point_amount=0,
        discount_amount=0,
        green_deposit=payment.green_deposit if kind == "PAYMENT" else 0,
        money_amount=0 if payment.payment_method_type == "CARD" else amount,
        card_amount=amount if payment.payment_method_type == "CARD" else 0,
        payload=payload,
        ledger_transfer_id=ledger_transfer_id,
        created_at=clock.now(),
    )
    session.add(action)
    await session.flush()
    return action
