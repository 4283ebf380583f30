"""In-store payments: a POS scans the buyer's one-time code and charges it (with Pay Money or
the card the buyer chose for that code), later cancels all or part of it.

A charge is ONE transaction: it claims the code with a conditional UPDATE (unused and
unexpired), creates the payment under the merchant's `pos_request_id` (unique per merchant),
moves the money wallet → the merchant's payable account, and leaves the receipt and the webhook.
Of two charges of one code at once, one claims it; of two with one request id at once, the
second meets the unique constraint (or the claimed code) and gets the first answer, or a 409
when it asked for something else. When the wallet is short, the shortfall is auto-charged from
the buyer's bank first, outside any transaction (an HTTP call), as the checkout does. A card
code is authorised by the issuer first, also outside the transaction, under a request id of the
code and amount: terminals racing on one code share one authorisation, and one that the
transaction then does not keep (another amount won the code) is released at once.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card.gateway import CardApproval, CardDeclined, CardIssuer, CardIssuerUnavailable
from easypay.config import Settings
from easypay.db import Database
from easypay.errors import EasyPayError, InvalidInput
from easypay.kit.clock import as_utc, clock
from easypay.ledger import service as ledger
from easypay.ledger.accounts import CARD_CLEARING
from easypay.ledger.errors import InsufficientFunds
from easypay.ledger.schemas import TransferRequest
from easypay.merchant import service as merchant_service
from easypay.models import Card, Merchant, Payment, PaymentAction, PaymentCode, User
from easypay.money import gateway
from easypay.money import service as money
from easypay.money.errors import BankUnavailable, ChargePending
from easypay.payment import card_jobs, codes, repository, service
from easypay.payment import pos_repository as pos_repository
from easypay.payment.errors import PaymentError
from easypay.payment.pos_errors import (
    BuyerUnavailable,
    CardIssuerDown,
    PaymentCodeExpired,
    PaymentCodeNotFound,
    PaymentCodeUsed,
    PaymentDeclined,
    PosCancelRefused,
    PosNotEnabled,
    PosPaymentNotFound,
    PosRequestIdReused,
)

CHANNEL = "POS"
MAX_AMOUNT = service.MAX_AMOUNT


@dataclass(frozen=True)
class ChargeRequest:
    code: str  # the digits as scanned
    amount: int
    pos_request_id: str
    item_name: str
    tax_free_amount: int = 0


def _check(r: ChargeRequest) -> str:
    """The code's digits, after refusing amounts no payment may have."""
    if not 0 < r.amount <= MAX_AMOUNT:
        raise InvalidInput(f"amount must be between 1 and {MAX_AMOUNT}.")
    if not 0 <= r.tax_free_amount <= r.amount:
        raise InvalidInput("tax_free_amount must be between 0 and amount.")
    if not r.pos_request_id or len(r.pos_request_id) > 64:
        raise InvalidInput("pos_request_id must be 1 to 64 characters.")
    digits = codes.normalized(r.code)
    if digits is None:
        raise PaymentCodeNotFound()
    return digits


async def charge(
    database: Database,
    bank: gateway.BankGateway,
    issuer: CardIssuer,
    settings: Settings,
    merchant: Merchant,
    r: ChargeRequest,
) -> Payment:
    """Charge a scanned code; a retry of the same `pos_request_id` gets the first payment."""
    digits = _check(r)
    code_hash = codes.digest(digits)
    async with database.transaction() as session:
        existing = await pos_repository.pos_payment(session, merchant.id, r.pos_request_id)
        if existing is not None:  # a retry: the bank is not asked again
            return await _replayed(session, existing, r, code_hash)
        code = await pos_repository.code_by_hash(session, code_hash)
        twin = await _twin_payment(session, merchant, r, code)
        if twin is not None:  # a copy of this request sent at the same time got there first
            return await _replayed(session, twin, r, code_hash)
        _ensure_usable(code)
        assert code is not None
        buyer = await session.get(User, code.user_id)
        if buyer is None or buyer.status != "active":
            raise BuyerUnavailable()
        card = await session.get(Card, code.card_id) if code.card_id is not None else None
        request_key = f"pos:{code_hash[:32]}:{r.amount}"
        charge = None
        if code.method != "CARD":
            charge = await _declined_unless(
                money.auto_charge_call(session, settings, buyer, r.amount, request_key)
            )
    approval: CardApproval | None = None
    if code.method == "CARD":
        approval = await _authorize(issuer, card, request_key, r.amount, merchant.name)
    else:  # one bank charge per code and amount, however many terminals try it at once
        await _declined_unless(money.run_auto_charge(database, bank, settings, buyer, charge))
    try:
        try:
            async with database.transaction() as session:
                return await _charge(session, merchant, r, code_hash, card, approval)
        except IntegrityError:
            # The same pos_request_id committed by a concurrent call first: answer as a retry.
            async with database.transaction() as session:
                existing = await pos_repository.pos_payment(session, merchant.id, r.pos_request_id)
                if existing is None:
                    raise
                return await _replayed(session, existing, r, code_hash)
    except BaseException:
        if approval is not None:
            await _release_unless_kept(database, issuer, request_key, approval)
        raise


async def _authorize(
    issuer: CardIssuer, card: Card | None, request_key: str, amount: int, merchant: str
) -> CardApproval:
    if card is None or card.status != "active":
        raise PaymentDeclined("The card of this code is no longer registered.")
    try:
        return await card_jobs.authorize(issuer, request_key, card.issuer_token, amount, merchant)
    except CardDeclined as declined:
        raise PaymentDeclined(f"The card issuer declined the payment ({declined.code}).") from None
    except CardIssuerUnavailable:
        raise CardIssuerDown() from None


async def _release_unless_kept(
    database: Database, issuer: CardIssuer, request_key: str, approval: CardApproval
) -> None:
    """An authorisation no payment kept goes back to the card now (a twin terminal with the
    same code and amount shares it: then the payment that won keeps it)."""
    async with database.transaction() as session:
        kept = await pos_repository.payment_of_approval(session, approval.approval_id)
    if not kept:
        release_id = f"{request_key}:release"
        await card_jobs.release(issuer, release_id, approval.approval_id, approval.amount)


T = TypeVar("T")


async def _declined_unless(funding: Awaitable[T]) -> T:
    """Auto-charging the buyer's shortfall (planning or making it): what stops it declines the
    payment, except what is worth retrying with the same pos_request_id."""
    try:
        return await funding
    except (BankUnavailable, ChargePending):
        raise
    except EasyPayError as error:
        raise PaymentDeclined(
            f"The buyer's Pay Money balance is not enough and could not be auto-charged "
            f"({error.detail})"
        ) from error


async def _twin_payment(
    session: AsyncSession, merchant: Merchant, r: ChargeRequest, code: PaymentCode | None
) -> Payment | None:
    """The payment this very `pos_request_id` made with the code, when a copy of this request
    (a retry sent at the same moment) used the code after this call last looked for it: the
    answer is then the first answer, not "code already used"."""
    if code is None or code.payment_id is None:
        return None
    first = await pos_repository.pos_payment(session, merchant.id, r.pos_request_id)
    return first if first is not None and first.id == code.payment_id else None


def _ensure_usable(code: PaymentCode | None) -> None:
    if code is None:
        raise PaymentCodeNotFound()
    if code.used_at is not None:
        raise PaymentCodeUsed()
    if as_utc(code.expires_at) <= clock.now():
        raise PaymentCodeExpired()


async def _charge(
    session: AsyncSession,
    merchant: Merchant,
    r: ChargeRequest,
    code_hash: str,
    card: Card | None,
    approval: CardApproval | None,
) -> Payment:
    existing = await pos_repository.pos_payment(session, merchant.id, r.pos_request_id)
    if existing is not None:
        return await _replayed(session, existing, r, code_hash)
    cid = await pos_repository.first_onetime_cid(session, merchant.id)
    if cid is None:
        raise PosNotEnabled()
    code = await pos_repository.code_by_hash(session, code_hash, fresh=True)
    twin = await _twin_payment(session, merchant, r, code)
    if twin is not None:
        return await _replayed(session, twin, r, code_hash)
    _ensure_usable(code)
    assert code is not None
    now = clock.now()
    if not await pos_repository.claim_code(session, code.id, now):
        # Taken (or expired) since we looked: by this very request on another terminal?
        code = await pos_repository.code_by_hash(session, code_hash, fresh=True)
        assert code is not None
        if code.payment_id is not None:
            first = await pos_repository.pos_payment(session, merchant.id, r.pos_request_id)
            if first is not None and first.id == code.payment_id:
                return await _replayed(session, first, r, code_hash)
        _ensure_usable(code)
        raise PaymentCodeUsed()
    payment = _new_payment(merchant, cid, code.user_id, r, now)
    if approval is not None:
        assert card is not None
        payment.payment_method_type = payment.allowed_method = "CARD"
        payment.card_id = card.id
        payment.card_approval_id = approval.approval_id
        payment.money_amount, payment.card_amount = 0, r.amount
    session.add(payment)
    await session.flush()  # a concurrent twin of this pos_request_id fails here
    if approval is not None:
        debit = await ledger.system_account_id(session, CARD_CLEARING)
    else:
        debit = (await ledger.user_wallet(session, code.user_id)).id
    try:
        booked = await ledger.transfer(
            session,
            TransferRequest(
                debit_account_id=debit,
                credit_account_id=await merchant_service.payable_account(session, merchant.id),
                amount=r.amount,
                code="payment",
                key=f"payment:{payment.tid}:post",
                reference=f"payment:{payment.tid}",
            ),
        )
    except InsufficientFunds as error:  # spent elsewhere since the auto-charge
        raise PaymentDeclined("The buyer's Pay Money balance is not enough.") from error
    if approval is not None:
        await card_jobs.enqueue_capture(session, payment)
    await pos_repository.link_code(session, code.id, payment.id)
    await service.record_action(
        session,
        payment,
        "PAYMENT",
        r.amount,
        payment.tax_free_amount,
        payment.vat_amount,
        "",
        booked.id,
    )
    await service.paid(session, payment)  # the buyer's receipt and the merchant's webhook
    return payment


def _new_payment(
    merchant: Merchant, cid: str, buyer_id: int, r: ChargeRequest, now: datetime
) -> Payment:
    return Payment(
        tid=service.new_tid(),
        cid=cid,
        merchant_id=merchant.id,
        partner_order_id=r.pos_request_id,
        partner_user_id=CHANNEL,
        item_name=r.item_name,
        item_code="",
        quantity=1,
        total_amount=r.amount,
        tax_free_amount=r.tax_free_amount,
        vat_amount=service.default_vat(r.amount, r.tax_free_amount),
        green_deposit=0,
        approval_url="",
        cancel_url="",
        fail_url="",
        allowed_method="MONEY",
        payment_method_type="MONEY",
        custom_json="",
        channel=CHANNEL,
        pos_request_id=r.pos_request_id,
        sid=None,
        card_id=None,
        card_approval_id=None,
        install_month=0,
        failure_reason="",
        status="SUCCESS_PAYMENT",
        buyer_id=buyer_id,
        pg_token_hash=None,
        hold_id=None,
        money_amount=r.amount,
        card_amount=0,
        point_amount=0,
        discount_amount=0,
        canceled_amount=0,
        canceled_tax_free_amount=0,
        canceled_vat_amount=0,
        created_at=now,
        expires_at=now,  # nothing waits: a POS payment is approved when it is created
        approved_at=now,
        canceled_at=None,
    )


async def _replayed(
    session: AsyncSession, payment: Payment, r: ChargeRequest, code_hash: str
) -> Payment:
    """The first payment of this pos_request_id, if this call asks for the same thing."""
    code = await pos_repository.code_of_payment(session, payment.id)
    same = (
        code is not None
        and code.code_hash == code_hash
        and payment.total_amount == r.amount
        and payment.tax_free_amount == r.tax_free_amount
        and payment.item_name == r.item_name
    )
    if not same:
        raise PosRequestIdReused()
    return payment


async def find(
    session: AsyncSession, merchant: Merchant, pos_request_id: str
) -> tuple[Payment, list[PaymentAction]]:
    """A POS payment of this merchant (another merchant's request id is not found)."""
    payment = await pos_repository.pos_payment(session, merchant.id, pos_request_id)
    if payment is None:
        raise PosPaymentNotFound()
    return payment, await repository.actions_of(session, payment.id)


async def cancel(
    session: AsyncSession,
    merchant: Merchant,
    pos_request_id: str,
    amount: int | None,
    tax_free: int | None = None,
) -> tuple[Payment, PaymentAction]:
    """Give back `amount` (default: all that remains) to where it came from; its tax-free
    part defaults to the remaining tax-free share, pro rata."""
    payment = await pos_repository.pos_payment(
        session, merchant.id, pos_request_id, for_update=True
    )
    if payment is None:
        raise PosPaymentNotFound()
    remaining = payment.total_amount - payment.canceled_amount
    if payment.status not in service.PAID or remaining <= 0:
        raise PosCancelRefused("Nothing remains to cancel on this payment.")
    amount = remaining if amount is None else amount
    if not 0 < amount <= remaining:
        raise PosCancelRefused(f"amount must be between 1 and {remaining}.")
    tax_free_left = payment.tax_free_amount - payment.canceled_tax_free_amount
    if tax_free is None:
        tax_free = amount * tax_free_left // remaining
    if not 0 <= tax_free <= min(amount, tax_free_left):
        raise PosCancelRefused(
            f"tax_free_amount must be between 0 and {min(amount, tax_free_left)}."
        )
    try:
        return await service.cancel(
            session, merchant, payment.cid, payment.tid, amount, tax_free, None, None
        )
    except PaymentError as error:
        raise PosCancelRefused(error.detail) from error
