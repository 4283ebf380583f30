"""Merchants: operator-created or applied for by a user and approved by an operator; their CIDs,
API keys (shown once, stored as SHA-256 digests, rotatable), settlement account and payments.

A self sign-up starts `pending` with one generated CID and no usable keys: its key columns hold a
marker that can never equal a digest. Once approved (`active`), the owner issues the keys on the
dashboard; issuing again is a rotation, and the old keys stop working with the same commit.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import Database
from easypay.errors import Conflict, InvalidInput, RateLimited
from easypay.identity import repository as identity_repository
from easypay.identity import service as identity
from easypay.identity.errors import UserNotFound
from easypay.kit import ratelimit
from easypay.kit.clock import clock
from easypay.kit.crypto import sha256_hex, verify_password
from easypay.ledger import repository as ledger_repository
from easypay.ledger import service as ledger
from easypay.ledger.accounts import MERCHANT_PAYABLES, PAYABLE_SHARDS, random_shard
from easypay.merchant import repository
from easypay.merchant.errors import (
    AlreadyApplied,
    BusinessNumberTaken,
    CidTaken,
    InvalidBusinessNumber,
    InvalidCid,
    KeysPasswordMismatch,
    MerchantNotActive,
    MerchantNotFound,
    MerchantNotPending,
    MerchantNotSuspended,
    MerchantPaymentNotFound,
    SettlementHolderMismatch,
)
from easypay.models import Merchant, MerchantCid, Payment, PaymentAction, User
from easypay.money import gateway
from easypay.money import service as money
from easypay.payment import repository as payment_repository

CID_PATTERN = re.compile(r"^[A-Z0-9]{10}$")
UNISSUED = "unissued:"  # a key column's prefix until keys are issued (not hex: matches no key)
BUSINESS_NUMBER_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
KST = timezone(timedelta(hours=9), "KST")
DEFAULT_FEE_BP = 250
PAYMENT_STATUSES = (  # the payment statuses of the spec's table, for the search filter
    "READY",
    "SEND_TMS",
    "OPEN_PAYMENT",
    "SELECT_METHOD",
    "ARS_WAITING",
    "AUTH_PASSWORD",
    "SUCCESS_PAYMENT",
    "PART_CANCEL_PAYMENT",
    "CANCEL_PAYMENT",
    "FAIL_AUTH_PASSWORD",
    "QUIT_PAYMENT",
    "FAIL_PAYMENT",
)
MAX_PAGE_SIZE = 100
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class CreatedMerchant:
    merchant: Merchant
    cids: list[str]
    admin_key: str  # shown once
    secret_key: str  # shown once
    payable_account_id: int


@dataclass(frozen=True)
class IssuedKeys:
    admin_key: str  # shown once
    secret_key: str  # shown once


@dataclass(frozen=True)
class SettlementAccount:
    """An account as the bank named it (its real-name inquiry)."""

    bank_code: str
    account_number: str
    holder_name: str


def new_admin_key() -> str:
    """32 hex characters, the shape of a KakaoPay admin key."""
    return secrets.token_hex(16)


def new_secret_key() -> str:
    return "DEV" + secrets.token_hex(20).upper()


def new_cid() -> str:
    return "EP" + secrets.token_hex(4).upper()


def _unissued() -> str:
    return UNISSUED + secrets.token_hex(27)  # unique like a digest, 63 characters


def keys_issued(merchant: Merchant) -> bool:
    return not merchant.admin_key_hash.startswith(UNISSUED)


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 100:
        raise InvalidInput("A merchant name is 1 to 100 characters.")
    return name


def _check_fee(fee_bp: int) -> None:
    if not 0 <= fee_bp <= 10_000:
        raise InvalidInput("The fee is 0 to 10,000 basis points.")


def business_number(raw: str) -> str:
    """A Korean business registration number (`220-81-62517` or 10 digits) → its 10 digits;
    the last digit is the check digit of the National Tax Service's weighting."""
    digits = raw.replace("-", "").replace(" ", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise InvalidBusinessNumber()
    values = [int(c) for c in digits]
    total = sum(v * w for v, w in zip(values, BUSINESS_NUMBER_WEIGHTS, strict=False))
    total += values[8] * 5 // 10
    if (10 - total % 10) % 10 != values[9]:
        raise InvalidBusinessNumber()
    return digits


def format_business_number(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 10 else digits


async def _owner_has_no_merchant(session: AsyncSession, owner: User) -> None:
    # The owner's row lock queues two applications of one person (PostgreSQL; SQLite's
    # transactions are serial anyway), so the check below cannot be raced.
    await identity_repository.user_by_id(session, owner.id, for_update=True)
    if await repository.open_merchant_of(session, owner.id) is not None:
        raise AlreadyApplied()


async def create(
    session: AsyncSession,
    name: str,
    cids: list[str],
    fee_bp: int,
    admin_key: str | None = None,
    secret_key: str | None = None,
    owner: User | None = None,
) -> CreatedMerchant:
    """An operator creates an active merchant; keys are generated unless given (the demo
    merchant's are published)."""
    name = _clean_name(name)
    _check_fee(fee_bp)
    wanted = list(dict.fromkeys(cid.strip().upper() for cid in cids)) or [new_cid()]
    for cid in wanted:
        if not CID_PATTERN.match(cid):
            raise InvalidCid()
        if await repository.cid_exists(session, cid):
            raise CidTaken(f"CID {cid} belongs to another merchant.")
    if owner is not None:
        await _owner_has_no_merchant(session, owner)
    admin_key = admin_key or new_admin_key()
    secret_key = secret_key or new_secret_key()
    now = clock.now()
    merchant = Merchant(
        name=name,
        status="active",
        fee_bp=fee_bp,
        admin_key_hash=sha256_hex(admin_key),
        secret_key_hash=sha256_hex(secret_key),
        owner_id=owner.id if owner is not None else None,
        approved_at=now,
        created_at=now,
    )
    session.add(merchant)
    await session.flush()
    for cid in wanted:
        kind = "subscription" if cid.startswith("TCSUB") else "onetime"
        session.add(MerchantCid(cid=cid, merchant_id=merchant.id, kind=kind, created_at=now))
    payable = await open_payables(session, merchant.id)
    await session.flush()
    return CreatedMerchant(merchant, wanted, admin_key, secret_key, payable)


# --- the settlement account -------------------------------------------------------------------


async def inquire_account(
    bank: gateway.BankGateway, bank_code: str, account_number: str
) -> SettlementAccount:
    """Ask the bank whose account this is. Call it before the transaction touches the database:
    on SQLite the sandbox bank (same file) would wait on this transaction's write lock."""
    number = money.normalised_account(bank_code, account_number)
    holder = await money.real_name(bank, bank_code, number)
    return SettlementAccount(bank_code, number, holder)


def _check_holder(account: SettlementAccount, names: list[str]) -> None:
    if not any(money.same_name(account.holder_name, name) for name in names if name):
        raise SettlementHolderMismatch()


async def set_settlement_account(
    session: AsyncSession, merchant: Merchant, account: SettlementAccount
) -> Merchant:
    """Where settlements are paid: an account in the merchant's or its owner's name."""
    owner = None
    if merchant.owner_id is not None:
        owner = await identity_repository.user_by_id(session, merchant.owner_id)
    _check_holder(account, [merchant.name, owner.name if owner is not None else ""])
    merchant.settlement_bank_code = account.bank_code
    merchant.settlement_account_number = account.account_number
    merchant.settlement_holder_name = account.holder_name
    await session.flush()
    return merchant


# --- self sign-up and review ------------------------------------------------------------------


async def apply(
    session: AsyncSession,
    bank: gateway.BankGateway,
    owner: User,
    name: str,
    business_number_text: str,
    bank_code: str,
    account_number: str,
) -> Merchant:
    """A signed-in user applies: the merchant waits (`pending`) for an operator, with one
    generated CID, a checked settlement account and no usable keys."""
    name = _clean_name(name)
    number = business_number(business_number_text)
    account = await inquire_account(bank, bank_code, account_number)  # before any query
    _check_holder(account, [name, owner.name])
    await _owner_has_no_merchant(session, owner)
    await repository.lock_business_number(session, number)
    if await repository.business_number_in_use(session, number):
        raise BusinessNumberTaken()
    cid = new_cid()
    while await repository.cid_exists(session, cid):  # 2**32 of them: practically never
        cid = new_cid()
    now = clock.now()
    merchant = Merchant(
        name=name,
        status="pending",
        fee_bp=DEFAULT_FEE_BP,
        admin_key_hash=_unissued(),
        secret_key_hash=_unissued(),
        owner_id=owner.id,
        business_number=number,
        settlement_bank_code=account.bank_code,
        settlement_account_number=account.account_number,
        settlement_holder_name=account.holder_name,
        created_at=now,
    )
    session.add(merchant)
    await session.flush()
    session.add(MerchantCid(cid=cid, merchant_id=merchant.id, kind="onetime", created_at=now))
    await open_payables(session, merchant.id)
    await session.flush()
    return merchant


async def _reviewed(
    session: AsyncSession,
    merchant_id: int,
    changed: bool,
    refusal: type[Conflict] = MerchantNotPending,
) -> Merchant:
    merchant = await repository.merchant_by_id(session, merchant_id, for_update=True)
    if merchant is None:
        raise MerchantNotFound()
    if not changed:
        raise refusal()
    return merchant


async def approve(session: AsyncSession, merchant_id: int, fee_bp: int | None = None) -> Merchant:
    """An operator approves an application; the owner then issues the keys."""
    values: dict[str, object] = {"approved_at": clock.now()}
    if fee_bp is not None:
        _check_fee(fee_bp)
        values["fee_bp"] = fee_bp
    changed = await repository.change_status(session, merchant_id, "pending", "active", **values)
    return await _reviewed(session, merchant_id, changed)


async def reject(session: AsyncSession, merchant_id: int) -> Merchant:
    """An operator rejects an application; the applicant may apply again."""
    changed = await repository.change_status(session, merchant_id, "pending", "rejected")
    return await _reviewed(session, merchant_id, changed)


async def suspend(session: AsyncSession, merchant_id: int) -> Merchant:
    """An operator stops a merchant: its keys are refused (401) and its dashboard closes until it
    is reactivated; payments already made stay, and their settlement waits."""
    changed = await repository.change_status(session, merchant_id, "active", "suspended")
    return await _reviewed(session, merchant_id, changed, MerchantNotActive)


async def reactivate(session: AsyncSession, merchant_id: int) -> Merchant:
    changed = await repository.change_status(session, merchant_id, "suspended", "active")
    return await _reviewed(session, merchant_id, changed, MerchantNotSuspended)


async def merchants(
    session: AsyncSession, status: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[Merchant], int]:
    return await repository.merchants_page(session, status, min(limit, MAX_PAGE_SIZE), offset)


async def cids(session: AsyncSession, merchant: Merchant) -> list[MerchantCid]:
    return await repository.cids_of(session, merchant.id)


async def application_of(session: AsyncSession, owner: User) -> Merchant | None:
    return await repository.latest_application_of(session, owner.id)


async def merchant_of(session: AsyncSession, owner: User) -> Merchant | None:
    """The approved merchant `owner` runs, if any."""
    return await repository.active_merchant_of(session, owner.id)


# --- keys -------------------------------------------------------------------------------------


async def confirm_password(
    database: Database, settings: Settings, owner: User, password: str
) -> None:
    """The owner types their password again before new keys are shown: a session left open on
    someone else's screen is not enough. Wrong tries count like sign-ins. Runs in its own short
    transactions (call it while the request's session holds no lock)."""
    key = f"merchant-keys:{owner.id}"
    window, limit = settings.rate_window_seconds, settings.signin_limit_per_phone
    if await ratelimit.attempts(database, key, window) >= limit:
        raise RateLimited()
    matches = bool(password) and await anyio.to_thread.run_sync(
        verify_password, owner.password_hash, password
    )
    if not matches:
        await ratelimit.hit(database, key, limit, window)
        raise KeysPasswordMismatch()


async def rotate_keys(session: AsyncSession, merchant: Merchant) -> IssuedKeys:
    """New admin and secret keys (the first issue, or a rotation): the old ones stop working
    when this commits. The keys are returned once and kept only as digests."""
    locked = await repository.merchant_by_id(session, merchant.id, for_update=True)
    if locked is None:
        raise MerchantNotFound()
    if locked.status != "active":
        raise MerchantNotActive("Keys are issued to approved merchants only.")
    keys = IssuedKeys(new_admin_key(), new_secret_key())
    locked.admin_key_hash = sha256_hex(keys.admin_key)
    locked.secret_key_hash = sha256_hex(keys.secret_key)
    await session.flush()
    return keys


# --- the dashboard's payments -----------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSearch:
    """Filters of the dashboard's payment list; dates are KST days, both ends included."""

    partner_order_id: str = ""
    tid: str = ""
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""


@dataclass(frozen=True)
class PaymentsPage:
    items: list[Payment]
    next_before: int | None  # pass as `before` for the next (older) page


def kst_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=KST).astimezone(UTC)


async def search_payments(
    session: AsyncSession,
    merchant: Merchant,
    search: PaymentSearch,
    before_id: int | None = None,
    limit: int = 20,
) -> PaymentsPage:
    """This merchant's payments matching `search`, newest first."""
    if search.status and search.status not in PAYMENT_STATUSES:
        raise InvalidInput("Unknown payment status.")
    for day in (search.date_from, search.date_to):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise InvalidInput("A date is out of range.")
    if search.date_from and search.date_to and search.date_from > search.date_to:
        raise InvalidInput("The start date is after the end date.")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    items = await repository.merchant_payments(
        session,
        merchant.id,
        partner_order_id=search.partner_order_id,
        tid=search.tid,
        start=kst_day_start(search.date_from) if search.date_from else None,
        end=kst_day_start(search.date_to + timedelta(days=1)) if search.date_to else None,
        status=search.status,
        before_id=before_id,
        limit=limit + 1,
    )
    following = items[limit - 1].id if len(items) > limit else None
    return PaymentsPage(items[:limit], following)


async def payment(session: AsyncSession, merchant: Merchant, tid: str) -> Payment:
    """One of this merchant's payments (another merchant's tid is not found)."""
    found = await repository.merchant_payment(session, merchant.id, tid)
    if found is None:
        raise MerchantPaymentNotFound()
    return found


async def owner_by_phone(session: AsyncSession, phone: str) -> User:
    """The user an operator names as a new merchant's owner."""
    user = await identity_repository.user_by_phone(session, identity.parse_phone(phone))
    if user is None:
        raise UserNotFound()
    return user


async def payment_actions(session: AsyncSession, payment: Payment) -> list[PaymentAction]:
    return await payment_repository.actions_of(session, payment.id)


async def open_payables(session: AsyncSession, merchant_id: int) -> int:
    """Open the merchant's payable, every shard of it; the id of shard 0."""
    ids = [
        (await ledger.open_account(session, MERCHANT_PAYABLES, "KRW", merchant_id, shard=shard)).id
        for shard in range(PAYABLE_SHARDS)
    ]
    return ids[0]


async def payable_account(session: AsyncSession, merchant_id: int) -> int:
    """A ledger account of what EasyPay owes the merchant, a random shard of it: payments
    credit it, cancels and settlement payouts debit it (a shard, or the whole, goes below zero
    when a refund is fronted after a payout). The merchant's payable is the sum of its shards."""
    account = await ledger_repository.find_account(
        session, MERCHANT_PAYABLES, "KRW", merchant_id, random_shard(PAYABLE_SHARDS)
    )
    assert account is not None, "every merchant has a payable account in every shard"
    return account.id
