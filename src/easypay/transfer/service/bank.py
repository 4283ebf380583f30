"""Sending Pay Money to a bank account (anyone's, at any bank of the gateway).

The bank's recipient inquiry names the holder first, so the user confirms who gets the money.
The send itself is Pay Money's bank operation of kind `transfer` (recorded, held, bank called,
posted or voided; reconciled by the worker when the bank does not answer clearly), with the
daily limit counted in the transaction that holds the money. It is immediate and cannot be
canceled; when the bank refuses, the money comes back and leaves the day's total.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.models import BankOperation, User
from easypay.money import gateway
from easypay.money import service as money
from easypay.money.banks import BANK_NAMES
from easypay.notification.service import notify
from easypay.transfer import limits, repository
from easypay.transfer.errors import TransferNotFound


async def inquire(
    bank: gateway.BankGateway, bank_code: str, account_number: str
) -> gateway.BankAccountInfo:
    """Who holds this account (the recipient inquiry): shown before the user confirms."""
    number = money.normalised_account(bank_code, account_number)
    holder = await money.real_name(bank, bank_code, number)
    return gateway.BankAccountInfo(bank_code, number, holder)


async def send(
    database: Database,
    bank: gateway.BankGateway,
    settings: Settings,
    user: User,
    bank_code: str,
    account_number: str,
    amount: int,
    message: str,
    request_key: str,
    *,
    account: gateway.BankAccountInfo | None = None,
) -> BankOperation:
    """Send to the account; the answer is `completed`, or `unknown` while the bank's answer is
    awaited (the worker settles it). Raises BankDeclined when the bank refuses (money back).
    `account` is the inquiry's answer when the caller already asked (else asked here)."""
    limits.check_amount(settings, amount)
    if account is None:
        account = await inquire(bank, bank_code, account_number)

    async def count_against_limit(session: AsyncSession) -> None:
        await limits.count(session, settings, user.id, amount, limits.day_of(clock.now()))

    call = money.BankCall(
        "transfer",
        amount,
        request_key,
        account=account,
        message=message,
        before_hold=count_against_limit,
    )
    return await money.run_bank_operation(database, bank, settings, user, call)


async def on_settled(session: AsyncSession, operation: BankOperation) -> None:
    """A bank transfer ended: tell the sender; money that came back leaves the day's total."""
    facts = {
        "holder": operation.holder_name or "",
        "amount": operation.amount,
        "bank": BANK_NAMES.get(operation.bank_code or "", ""),
        "reason": operation.bank_message,
    }
    if operation.status == "failed":
        day = limits.day_of(operation.created_at)
        await limits.release(session, operation.user_id, operation.amount, day)
        await notify(session, operation.user_id, "transfer.bank_failed", facts, "/transfers")
    elif operation.status == "completed":
        await notify(session, operation.user_id, "transfer.bank_completed", facts, "/transfers")


async def bank_transfers_of(
    session: AsyncSession, user: User, cursor: int | None, limit: int
) -> list[BankOperation]:
    return await repository.bank_transfers_of(session, user.id, cursor, limit)


async def bank_transfer_of(session: AsyncSession, user: User, operation_id: int) -> BankOperation:
    operation = await repository.bank_transfer_of(session, user.id, operation_id)
    if operation is None:
        raise TransferNotFound()
    return operation


# Pay Money calls this when a bank operation of kind `transfer` ends (the worker included).
money.SETTLED_LISTENERS["transfer"] = on_settled
