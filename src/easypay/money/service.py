"""Pay Money rules: linking bank accounts, charging, withdrawing, auto-charge, history.

A charge, withdrawal or bank transfer spans a bank call, so it runs as three steps with a commit
between them (the only functions here that take the `Database` instead of a session):

1. record the bank operation and hold the money in the ledger — commit;
2. call the bank (idempotent on our `bank_tran_id`);
3. post or void the hold according to the answer — commit.

A crash or timeout between 1 and 3 leaves the operation `requested`/`unknown`; the worker asks
the bank what happened (`reconcile`) and finishes it. Retrying the same request (same
`request_key`) resumes the same operation; it never starts a second one.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import Database
from easypay.errors import InvalidInput
from easypay.identity.service import record_event
from easypay.kit.clock import clock
from easypay.kit.money import round_up_to_step
from easypay.ledger import service as ledger
from easypay.ledger.accounts import BANK_CLEARING, Balance
from easypay.ledger.schemas import TransferRequest
from easypay.models import BankLink, BankOperation, User
from easypay.money import gateway, repository
from easypay.money.banks import BANK_NAMES
from easypay.money.errors import (
    AlreadyLinked,
    AmountOutOfRange,
    AutoChargeOff,
    BankAccountNotFound,
    BankDeclined,
    BankLinkNotFound,
    BankUnavailable,
    ChargePending,
    ConsentRequired,
    HolderNameMismatch,
    NoLinkedAccount,
    OperationNotFound,
    UnknownBank,
)
from easypay.money.repository import WalletEntry

CONSENT_VERSION = "2026-11"
ACCOUNT_PATTERN = re.compile(r"^\d{6,16}$")


# --- balance ----------------------------------------------------------------------------------


async def balance(session: AsyncSession, user: User) -> Balance:
    return Balance.of(await ledger.user_wallet(session, user.id))


# --- linked bank accounts ---------------------------------------------------------------------


def same_name(a: str, b: str) -> bool:
    def norm(name: str) -> str:
        return "".join(unicodedata.normalize("NFC", name).split()).casefold()

    return norm(a) == norm(b)


async def link_account(
    session: AsyncSession,
    bank: gateway.BankGateway,
    user: User,
    bank_code: str,
    account_number: str,
    consent: bool,
) -> BankLink:
    """Link an account in the user's own name (the bank's real-name inquiry decides)."""
    if not consent:
        raise ConsentRequired()
    number = normalised_account(bank_code, account_number)
    # The bank is asked before this transaction writes anything (no lock held across the call).
    holder = await real_name(bank, bank_code, number, user.birth_date)
    if not same_name(holder, user.name):
        raise HolderNameMismatch()
    if await repository.link_for_account(session, user.id, bank_code, number) is not None:
        raise AlreadyLinked()
    now = clock.now()
    link = BankLink(
        user_id=user.id,
        bank_code=bank_code,
        account_number=number,
        holder_name=holder,
        consent_version=CONSENT_VERSION,
        consented_at=now,
        status="active",
        created_at=now,
    )
    session.add(link)
    await session.flush()
    await record_event(session, user.id, "bank.linked", f"{bank_code} ***{number[-4:]}")
    return link


def normalised_account(bank_code: str, account_number: str) -> str:
    """A known bank and 6 to 16 digits (dashes and spaces dropped), or a clear refusal."""
    if bank_code not in BANK_NAMES:
        raise UnknownBank()
    number = account_number.replace("-", "").replace(" ", "")
    if not ACCOUNT_PATTERN.match(number):
        raise InvalidInput("An account number is 6 to 16 digits.")
    return number


async def real_name(
    bank: gateway.BankGateway, bank_code: str, number: str, birth_date: date | None = None
) -> str:
    """The holder's name by the bank (with a birth date: also checked), as our errors."""
    try:
        return await bank.real_name(bank_code, number, birth_date)
    except gateway.BankAccountNotFound as error:
        raise BankAccountNotFound() from error
    except gateway.BankError as error:
        raise BankUnavailable() from error


async def unlink_account(session: AsyncSession, user: User, link_id: int) -> None:
    link = await repository.active_link(session, user.id, link_id)
    if link is None:
        raise BankLinkNotFound()
    link.status = "unlinked"
    link.unlinked_at = clock.now()
    await record_event(session, user.id, "bank.unlinked", f"link {link.id}")


async def linked_accounts(session: AsyncSession, user: User) -> list[BankLink]:
    return await repository.active_links(session, user.id)


# --- charge and withdraw ----------------------------------------------------------------------


async def charge(
    database: Database,
    bank: gateway.BankGateway,
    settings: Settings,
    user: User,
    link_id: int,
    amount: int,
    request_key: str,
    purpose: str = "manual",
) -> BankOperation:
    """Move `amount` from the linked account into Pay Money (holding cap applies)."""
    if not settings.charge_min <= amount <= settings.money_holding_cap:
        raise AmountOutOfRange(
            f"Charge between {settings.charge_min:,} and {settings.money_holding_cap:,} KRW."
        )
    return await run_bank_operation(
        database, bank, settings, user, BankCall("charge", amount, request_key, purpose, link_id)
    )


async def withdraw(
    database: Database,
    bank: gateway.BankGateway,
    settings: Settings,
    user: User,
    link_id: int,
    amount: int,
    request_key: str,
) -> BankOperation:
    """Move `amount` from Pay Money to the user's own linked account."""
    if not 1 <= amount <= ledger.MAX_AMOUNT:
        raise AmountOutOfRange()
    return await run_bank_operation(
        database,
        bank,
        settings,
        user,
        BankCall("withdrawal", amount, request_key, "manual", link_id),
    )


# Work another package does in the transaction that starts an operation (before the money is
# held), and when the operation ends (completed or failed), by operation kind.
BeforeHold = Callable[[AsyncSession], Awaitable[None]]
OnSettled = Callable[[AsyncSession, BankOperation], Awaitable[None]]
SETTLED_LISTENERS: dict[str, OnSettled] = {}


@dataclass(frozen=True)
class BankCall:
    """One bank operation to start: from/to the user's linked account (`link_id`), or, for a
    transfer, to anyone's `account` (its holder already confirmed by a real-name inquiry)."""

    kind: Literal["charge", "withdrawal", "transfer"]
    amount: int
    request_key: str
    purpose: str = "manual"
    link_id: int | None = None
    account: gateway.BankAccountInfo | None = None
    message: str = ""
    before_hold: BeforeHold | None = None


async def run_bank_operation(
    database: Database,
    bank: gateway.BankGateway,
    settings: Settings,
    user: User,
    call: BankCall,
) -> BankOperation:
    """The three steps (see the module docstring); a retry of the same request resumes it."""
    try:
        async with database.transaction() as session:
            operation = await _start(session, settings, user, call)
    except DBAPIError as error:
        # The same request started concurrently (its key is taken: resume that operation), or
        # PostgreSQL broke a lock cycle by aborting this transaction: either way, start again.
        if not isinstance(error, IntegrityError) and not _aborted_by_server(error):
            raise
        async with database.transaction() as session:
            operation = await _start(session, settings, user, call)
    if operation.status in ("completed", "failed"):  # a retry of a finished request
        return _answer(operation)
    assert operation.bank_code is not None
    assert operation.account_number is not None
    bank_call = bank.withdraw if operation.kind == "charge" else bank.deposit
    memo = {"charge": "EasyPay 충전", "withdrawal": "EasyPay 출금"}.get(
        operation.kind, "EasyPay 송금"
    )
    outcome = await bank_call(
        operation.bank_tran_id,
        operation.bank_code,
        operation.account_number,
        operation.amount,
        memo,
    )
    async with database.transaction() as session:
        operation = await settle(session, operation.id, outcome)
    return _answer(operation)


def _aborted_by_server(error: DBAPIError) -> bool:
    """A deadlock or serialization failure: the transaction was rolled back and may be rerun."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in ("40P01", "40001")


def _answer(operation: BankOperation) -> BankOperation:
    if operation.status == "failed":
        raise BankDeclined(f"The bank declined: {operation.bank_message or 'no reason given'}.")
    return operation


async def _start(
    session: AsyncSession, settings: Settings, user: User, call: BankCall
) -> BankOperation:
    existing = await repository.operation_by_key(session, call.request_key)
    if existing is not None:
        return existing
    if call.account is not None:
        account = call.account
    else:
        link = await repository.active_link(session, user.id, call.link_id or 0)
        if link is None:
            raise BankLinkNotFound()
        account = gateway.BankAccountInfo(link.bank_code, link.account_number, link.holder_name)
    if call.before_hold is not None:
        await call.before_hold(session)
    wallet = await ledger.user_wallet(session, user.id)
    clearing = await ledger.system_account_id(session, BANK_CLEARING)
    bank_tran_id = "EP" + uuid.uuid4().hex[:18].upper()
    code = {"charge": "charge", "withdrawal": "withdrawal"}.get(call.kind, "bank_transfer")
    if call.kind == "charge":
        debit, credit, cap = clearing, wallet.id, settings.money_holding_cap
    else:
        debit, credit, cap = wallet.id, clearing, None
    request = TransferRequest(
        debit_account_id=debit,
        credit_account_id=credit,
        amount=call.amount,
        code=code,
        pending=True,
        reference=f"bank:{bank_tran_id}",
        credit_cap=cap,
    )
    hold = await ledger.transfer(session, request)
    now = clock.now()
    operation = BankOperation(
        user_id=user.id,
        bank_link_id=call.link_id if call.account is None else None,
        kind=call.kind,
        purpose=call.purpose,
        amount=call.amount,
        request_key=call.request_key,
        bank_tran_id=bank_tran_id,
        status="requested",
        pending_transfer_id=hold.id,
        bank_code=account.bank_code,
        account_number=account.account_number,
        holder_name=account.holder_name,
        message=call.message,
        bank_result_code="",
        bank_message="",
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(operation)
    await session.flush()
    await record_event(session, user.id, f"money.{call.kind}_requested", f"{call.amount:,} KRW")
    return operation


async def settle(
    session: AsyncSession, operation_id: int, outcome: gateway.TransferOutcome
) -> BankOperation:
    """Apply the bank's answer: post the hold (ok), void it (declined), or leave it (unknown).
    Whoever settles first wins (a retry, the request itself or the worker); the rest read."""
    now = clock.now()
    status = {"ok": "completed", "declined": "failed", "unknown": "unknown"}[outcome.outcome]
    code = outcome.bank_result_code or outcome.result_code
    if await repository.settle_status(session, operation_id, status, code, outcome.message, now):
        operation = await repository.operation_by_id(session, operation_id)
        assert operation is not None
        if status == "completed":
            await ledger.post(session, operation.pending_transfer_id)
        elif status == "failed":
            await ledger.void(session, operation.pending_transfer_id)
        if status != "unknown":
            listener = SETTLED_LISTENERS.get(operation.kind)
            if listener is not None:
                await listener(session, operation)
            await record_event(
                session, operation.user_id, f"money.{operation.kind}_{status}", f"op {operation.id}"
            )
        return operation
    operation = await repository.operation_by_id(session, operation_id)
    assert operation is not None
    return operation


async def reconcile(
    database: Database, bank: gateway.BankGateway, older_than: timedelta, limit: int = 100
) -> int:
    """Finish operations the bank never answered clearly, by asking it what happened.

    The bank answers an id it never saw as cancelled and refuses that id from then on, so
    voiding the hold can never race a late-arriving withdrawal."""
    async with database.transaction() as session:
        operations = await repository.unsettled_operations(session, clock.now() - older_than, limit)
    settled = 0
    for operation in operations:
        outcome = await bank.transfer_result(operation.bank_tran_id)
        if outcome.outcome == "unknown":
            continue
        async with database.transaction() as session:
            await settle(session, operation.id, outcome)
        settled += 1
    return settled


async def operation_of(session: AsyncSession, user: User, operation_id: int) -> BankOperation:
    operation = await repository.operation_by_id(session, operation_id)
    if operation is None or operation.user_id != user.id:
        raise OperationNotFound()
    return operation


# --- auto-charge (for payments and transfers) --------------------------------------------------


async def auto_charge(
    database: Database,
    bank: gateway.BankGateway,
    settings: Settings,
    user: User,
    needed: int,
    request_key: str,
) -> BankOperation | None:
    """Make at least `needed` KRW available, charging the shortfall rounded up to 10,000 KRW
    steps from the first linked account. None when the balance already covers it."""
    async with database.transaction() as session:
        call = await auto_charge_call(session, settings, user, needed, request_key)
    return await run_auto_charge(database, bank, settings, user, call)


async def auto_charge_call(
    session: AsyncSession, settings: Settings, user: User, needed: int, request_key: str
) -> BankCall | None:
    """The bank charge auto-charge would make for `needed` KRW (None: the balance covers it),
    read in the caller's transaction; refused when auto-charge is off or no account is linked."""
    available = (await balance(session, user)).available
    shortfall = needed - available
    if shortfall <= 0:
        return None
    links = await repository.active_links(session, user.id)
    fresh_user = await session.get(User, user.id)
    if fresh_user is None or not fresh_user.auto_charge_enabled:
        raise AutoChargeOff()
    if not links:
        raise NoLinkedAccount("Your balance is not enough and no bank account is linked.")
    amount = round_up_to_step(shortfall, settings.auto_charge_step)
    return BankCall("charge", amount, request_key, "auto_charge", links[0].id)


async def run_auto_charge(
    database: Database,
    bank: gateway.BankGateway,
    settings: Settings,
    user: User,
    call: BankCall | None,
) -> BankOperation | None:
    """Make the charge `auto_charge_call` planned, in its own transactions (outside any other)."""
    if call is None:
        return None
    operation = await run_bank_operation(database, bank, settings, user, call)
    if operation.status != "completed":
        raise ChargePending()
    return operation


# --- history ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    transfer: WalletEntry
    direction: Literal["in", "out"]
    amount: int
    status: Literal["completed", "processing", "canceled"]


async def history(
    session: AsyncSession,
    user: User,
    codes: list[str],
    since: datetime | None,
    until: datetime | None,
    cursor: int | None,
    limit: int,
) -> list[Activity]:
    rows = await repository.wallet_activity(session, user.id, codes, since, until, cursor, limit)
    activities = []
    for entry in rows:
        status: Literal["completed", "processing", "canceled"] = "completed"
        amount = entry.amount
        if entry.kind == "pending":
            if entry.resolution is None:
                status = "processing"
            elif entry.resolution == "post":
                amount = entry.resolved_amount or amount
            else:
                status = "canceled"
        activities.append(Activity(entry, "out" if entry.outgoing else "in", amount, status))
    return activities
