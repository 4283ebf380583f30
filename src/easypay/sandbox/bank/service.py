"""The sandbox bank's rules: accounts, inquiries, withdraw and deposit, result inquiries, faults.

Withdraw (출금이체) and deposit (입금이체) are idempotent on the caller's `bank_tran_id`: the id
is claimed by inserting its result row in the same transaction that moves the money, and the
answer is saved in that row, so a repeat — sequential or concurrent — gets the first answer and
moves nothing. A result inquiry for an id the bank never saw saves a `cancelled` row (a
tombstone): if that id arrives later, it is refused.

Functions that take a session work inside the caller's transaction (the endpoints, the demo
loader, tests). `real_name`, `withdraw` and `deposit` take the `Database` instead, because a
`timeout` fault makes them sleep, and no transaction may be held while sleeping.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import Database
from easypay.kit.clock import clock
from easypay.models import SandboxBankAccount, SandboxBankFault, SandboxBankTransaction
from easypay.money.banks import BANK_NAMES, mask_account
from easypay.sandbox.bank import repository
from easypay.sandbox.bank.errors import (
    BANK_ACCOUNT_NOT_FOUND,
    BANK_CORPORATE_INSUFFICIENT,
    BANK_DECLINED,
    BANK_HOLDER_INFO_MISMATCH,
    BANK_INSUFFICIENT_BALANCE,
    BANK_MESSAGES,
    BANK_NOT_PROCESSED,
    BANK_OK,
    BANK_TRAN_ID_CANCELLED,
    RSP_BANK_ERROR,
    RSP_OK,
    AccountExists,
    AccountNotFound,
    BadRequest,
    BankRefused,
)
from easypay.sandbox.bank.schemas import (
    AccountListRead,
    AccountSummary,
    BalanceRead,
    RealNameQuery,
    RealNameRead,
    TransactionItem,
    TransactionListRead,
    TransferCreate,
    TransferRead,
    TransferResultRead,
    TranType,
)

# EasyPay's corporate account (약정계좌): charges land here, withdrawals are paid from it.
CORPORATE_BANK_CODE = "088"
CORPORATE_ACCOUNT_NUMBER = "140099990001"
CORPORATE_HOLDER_NAME = "이지페이(주)"
CORPORATE_CUSTOMER_ID = "corporate:easypay"

OPERATIONS = ("withdraw", "deposit", "realname", "any")
FAULT_MODES = ("decline", "timeout", "fail_after_success")

KST = timezone(timedelta(hours=9))  # Korea keeps no daylight saving time

AnswerBody = TypeVar("AnswerBody")


@dataclass(frozen=True)
class Answer(Generic[AnswerBody]):
    """The bank's answer; `fail_after_success` asks the endpoint to hide it behind a 500."""

    body: AnswerBody
    fail_after_success: bool = False


@dataclass(frozen=True)
class _Fault:
    mode: str
    delay_seconds: float


class _Duplicate(Exception):
    """Another request claimed this bank_tran_id first: roll back, then replay its answer."""


# --- the wire envelope ------------------------------------------------------------------------


def _kst_now() -> datetime:
    return clock.now().astimezone(KST)


def envelope(rsp_code: str = RSP_OK, rsp_message: str | None = None) -> dict[str, str]:
    """The API layer of every answer: a fresh api_tran_id, the time, the result."""
    now = _kst_now()
    if rsp_message is None:
        rsp_message = "" if rsp_code == RSP_OK else "참가은행 에러"
    return {
        "api_tran_id": "SB" + uuid.uuid4().hex[:18].upper(),
        "api_tran_dtm": now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}",
        "rsp_code": rsp_code,
        "rsp_message": rsp_message,
    }


def bank_layer(bank_tran_id: str, bank_code_std: str, bank_rsp_code: str) -> dict[str, str]:
    """The bank layer of an answer about a bank operation."""
    return {
        "bank_tran_id": bank_tran_id,
        "bank_tran_date": _kst_now().strftime("%Y%m%d"),
        "bank_code_tran": bank_code_std,
        "bank_code_std": bank_code_std,
        "bank_rsp_code": bank_rsp_code,
        "bank_rsp_message": BANK_MESSAGES[bank_rsp_code],
    }


def _answer_fields(bank_tran_id: str, bank_code_std: str, bank_rsp_code: str) -> dict[str, str]:
    rsp_code = RSP_OK if bank_rsp_code == BANK_OK else RSP_BANK_ERROR
    return envelope(rsp_code) | bank_layer(bank_tran_id, bank_code_std, bank_rsp_code)


def _bank_name(bank_code: str) -> str:
    return BANK_NAMES.get(bank_code, f"은행 {bank_code}")


def _inquiry_id() -> str:
    return "SBQ" + uuid.uuid4().hex[:17].upper()


# --- accounts ----------------------------------------------------------------------------------


async def open_account(
    session: AsyncSession,
    bank_code: str,
    account_number: str,
    holder_name: str,
    customer_id: str,
    balance: int,
    holder_birth_date: date | None = None,
) -> SandboxBankAccount:
    """Open a customer account with an opening balance (demo data, tests, the admin API)."""
    if len(bank_code) != 3 or not bank_code.isdigit():
        raise BadRequest("A bank code is 3 digits.")
    if not 6 <= len(account_number) <= 20 or not account_number.isdigit():
        raise BadRequest("An account number is 6 to 20 digits.")
    if balance < 0:
        raise BadRequest("An opening balance cannot be negative.")
    if await repository.account(session, bank_code, account_number) is not None:
        raise AccountExists()
    now = clock.now()
    account = SandboxBankAccount(
        bank_code=bank_code,
        account_number=account_number,
        holder_name=holder_name,
        holder_birth_date=holder_birth_date,
        customer_id=customer_id,
        balance=balance,
        is_corporate=False,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    if balance:
        session.add(
            SandboxBankTransaction(
                account_id=account.id,
                bank_tran_id="",
                direction="in",
                amount=balance,
                balance_after=balance,
                counterparty="",
                memo="계좌개설",
                created_at=now,
            )
        )
        await session.flush()
    return account


async def ensure_corporate_account(session: AsyncSession) -> SandboxBankAccount:
    """EasyPay's corporate account, created empty on first use."""
    account = await repository.account(session, CORPORATE_BANK_CODE, CORPORATE_ACCOUNT_NUMBER)
    if account is None:
        await repository.insert_account_if_missing(
            session,
            CORPORATE_BANK_CODE,
            CORPORATE_ACCOUNT_NUMBER,
            CORPORATE_HOLDER_NAME,
            CORPORATE_CUSTOMER_ID,
            is_corporate=True,
            now=clock.now(),
        )
        account = await repository.account(session, CORPORATE_BANK_CODE, CORPORATE_ACCOUNT_NUMBER)
    assert account is not None
    return account


async def corporate_balance(session: AsyncSession) -> int:
    return (await ensure_corporate_account(session)).balance


async def account(session: AsyncSession, bank_code: str, account_number: str) -> SandboxBankAccount:
    """An account, fresh from the database (AccountNotFound if there is none)."""
    found = await repository.account(session, bank_code, account_number)
    if found is None:
        raise AccountNotFound()
    return found


# --- faults ------------------------------------------------------------------------------------


async def add_fault(
    session: AsyncSession,
    operation: str,
    mode: str,
    *,
    account_number: str = "*",
    count: int = 1,
    delay_seconds: float = 0.0,
) -> SandboxBankFault:
    """Make the next `count` matching calls misbehave (see schemas.FaultCreate)."""
    if operation not in OPERATIONS:
        raise BadRequest(f"operation is one of {', '.join(OPERATIONS)}.")
    if mode not in FAULT_MODES:
        raise BadRequest(f"mode is one of {', '.join(FAULT_MODES)}.")
    if count < 1 or delay_seconds < 0:
        raise BadRequest("count is at least 1 and delay_seconds not negative.")
    fault = SandboxBankFault(
        operation=operation,
        account_number=account_number or "*",
        mode=mode,
        remaining=count,
        delay_seconds=delay_seconds,
        created_at=clock.now(),
    )
    session.add(fault)
    await session.flush()
    return fault


async def clear_faults(session: AsyncSession) -> int:
    return await repository.delete_faults(session)


async def faults(session: AsyncSession) -> list[SandboxBankFault]:
    return await repository.faults(session)


async def _take_fault(session: AsyncSession, operation: str, account_number: str) -> _Fault | None:
    for fault in await repository.matching_faults(session, operation, account_number):
        if await repository.use_fault(session, fault.id):
            return _Fault(fault.mode, fault.delay_seconds)
    return None


async def _fault_for(database: Database, operation: str, account_number: str) -> _Fault | None:
    async with database.transaction() as session:
        return await _take_fault(session, operation, account_number)


# --- inquiries ---------------------------------------------------------------------------------


async def real_name(database: Database, query: RealNameQuery) -> Answer[RealNameRead]:
    """The holder's name of an account; a birth date asked with it is checked when the bank
    knows the holder's."""
    bank_tran_id = query.bank_tran_id or _inquiry_id()
    fault = await _fault_for(database, "realname", query.account_num)
    if fault is not None and fault.mode == "timeout":
        await asyncio.sleep(fault.delay_seconds)
    if fault is not None and fault.mode == "decline":
        raise BankRefused(BANK_DECLINED, query.bank_code_std, bank_tran_id)
    async with database.transaction() as session:
        account = await repository.account(session, query.bank_code_std, query.account_num)
    if account is None:
        raise BankRefused(BANK_ACCOUNT_NOT_FOUND, query.bank_code_std, bank_tran_id)
    birth = account.holder_birth_date
    asked = query.account_holder_info
    if asked and birth is not None and birth.strftime("%y%m%d") != asked:
        raise BankRefused(BANK_HOLDER_INFO_MISMATCH, query.bank_code_std, bank_tran_id)
    body = RealNameRead(
        **_answer_fields(bank_tran_id, account.bank_code, BANK_OK),
        bank_name=_bank_name(account.bank_code),
        account_num=account.account_number,
        account_holder_info=query.account_holder_info,
        account_holder_name=account.holder_name,
    )
    return Answer(body, fault is not None and fault.mode == "fail_after_success")


async def accounts_of(session: AsyncSession, customer_id: str) -> AccountListRead:
    accounts = await repository.accounts_of_customer(session, customer_id)
    return AccountListRead(
        **envelope(),
        customer_id=customer_id,
        res_cnt=len(accounts),
        res_list=[
            AccountSummary(
                bank_code_std=account.bank_code,
                bank_name=_bank_name(account.bank_code),
                account_num=account.account_number,
                account_num_masked=mask_account(account.account_number),
                account_holder_name=account.holder_name,
            )
            for account in accounts
        ],
    )


async def _known_account(
    session: AsyncSession, bank_code: str, account_number: str, bank_tran_id: str
) -> SandboxBankAccount:
    account = await repository.account(session, bank_code, account_number)
    if account is None:
        raise BankRefused(BANK_ACCOUNT_NOT_FOUND, bank_code, bank_tran_id)
    return account


async def balance(
    session: AsyncSession, bank_code: str, account_number: str, bank_tran_id: str | None
) -> BalanceRead:
    bank_tran_id = bank_tran_id or _inquiry_id()
    account = await _known_account(session, bank_code, account_number, bank_tran_id)
    return BalanceRead(
        **_answer_fields(bank_tran_id, bank_code, BANK_OK),
        bank_name=_bank_name(bank_code),
        account_num_masked=mask_account(account_number),
        balance_amt=account.balance,
        available_amt=account.balance,
    )


async def transactions(
    session: AsyncSession,
    bank_code: str,
    account_number: str,
    bank_tran_id: str | None,
    limit: int,
) -> TransactionListRead:
    """The account's transactions, newest first, each with the balance after it."""
    bank_tran_id = bank_tran_id or _inquiry_id()
    account = await _known_account(session, bank_code, account_number, bank_tran_id)
    rows = await repository.transactions(session, account.id, limit)
    items = []
    for row in rows:
        at = row.created_at.astimezone(KST)
        items.append(
            TransactionItem(
                tran_date=at.strftime("%Y%m%d"),
                tran_time=at.strftime("%H%M%S"),
                inout_type="입금" if row.direction == "in" else "출금",
                tran_type="이체" if row.bank_tran_id else "개설",
                print_content=row.memo,
                tran_amt=row.amount,
                after_balance_amt=row.balance_after,
                bank_tran_id=row.bank_tran_id,
                counterparty_name=row.counterparty,
            )
        )
    return TransactionListRead(
        **_answer_fields(bank_tran_id, bank_code, BANK_OK),
        bank_name=_bank_name(bank_code),
        account_num_masked=mask_account(account_number),
        balance_amt=account.balance,
        res_cnt=len(items),
        res_list=items,
    )


# --- withdraw and deposit ----------------------------------------------------------------------


async def withdraw(database: Database, request: TransferCreate) -> Answer[TransferRead]:
    """출금이체: from the customer's account into EasyPay's corporate account."""
    return await _transfer(database, "withdraw", request)


async def deposit(database: Database, request: TransferCreate) -> Answer[TransferRead]:
    """입금이체: from EasyPay's corporate account into the customer's account."""
    return await _transfer(database, "deposit", request)


async def _transfer(
    database: Database, kind: TranType, request: TransferCreate
) -> Answer[TransferRead]:
    fault: _Fault | None = None
    try:
        async with database.transaction() as session:
            stored = await repository.result(session, request.bank_tran_id)
            if stored is not None:
                return Answer(_replay(stored.outcome, stored.response_json, kind, request))
            # A fault is used up only by a call that is not a repeat (a concurrent repeat rolls
            # this transaction back, fault use included).
            fault = await _take_fault(session, kind, request.account_num)
            if fault is None or fault.mode != "timeout":
                declined = fault is not None and fault.mode == "decline"
                body = await _execute(session, kind, request, declined)
                return Answer(body, fault is not None and fault.mode == "fail_after_success")
    except _Duplicate:
        return await _replay_stored(database, kind, request)
    # A timeout fault: the call arrives late. Sleep outside any transaction, then do it —
    # unless a result inquiry has cancelled the id in the meantime.
    assert fault is not None
    await asyncio.sleep(fault.delay_seconds)
    try:
        async with database.transaction() as session:
            return Answer(await _execute(session, kind, request, declined=False))
    except _Duplicate:
        return await _replay_stored(database, kind, request)


async def _replay_stored(
    database: Database, kind: TranType, request: TransferCreate
) -> Answer[TransferRead]:
    async with database.transaction() as session:
        stored = await repository.result(session, request.bank_tran_id)
    assert stored is not None  # a committed claim is never deleted
    return Answer(_replay(stored.outcome, stored.response_json, kind, request))


def _replay(
    outcome: str, response_json: str, kind: TranType, request: TransferCreate
) -> TransferRead:
    """The first answer again (with this call's own api_tran_id), or a refusal for an id a
    result inquiry cancelled."""
    if outcome == "cancelled":
        return _transfer_read(kind, request, None, BANK_TRAN_ID_CANCELLED)
    first = TransferRead.model_validate_json(response_json)
    fresh = envelope(first.rsp_code)
    return first.model_copy(
        update={"api_tran_id": fresh["api_tran_id"], "api_tran_dtm": fresh["api_tran_dtm"]}
    )


def _transfer_read(
    kind: TranType,
    request: TransferCreate,
    customer: SandboxBankAccount | None,
    bank_rsp_code: str,
) -> TransferRead:
    return TransferRead(
        **_answer_fields(request.bank_tran_id, request.bank_code_std, bank_rsp_code),
        tran_type=kind,
        bank_name=_bank_name(request.bank_code_std),
        account_num_masked=mask_account(request.account_num),
        account_holder_name=customer.holder_name if customer is not None else "",
        tran_amt=request.tran_amt,
        print_content=request.print_content,
        cntr_account_num_masked=mask_account(CORPORATE_ACCOUNT_NUMBER),
    )


async def _execute(
    session: AsyncSession, kind: TranType, request: TransferCreate, declined: bool
) -> TransferRead:
    """Claim the id, move the money (or decline), and save the answer — one transaction."""
    now = clock.now()
    if not await repository.claim_result(session, request.bank_tran_id, "processing", "{}", now):
        raise _Duplicate()
    corporate = await ensure_corporate_account(session)
    customer = await repository.account(session, request.bank_code_std, request.account_num)
    if declined:
        code = BANK_DECLINED
    elif customer is None or customer.is_corporate:
        code = BANK_ACCOUNT_NOT_FOUND
    else:
        code = await _move(session, kind, request, customer, corporate, now)
    body = _transfer_read(kind, request, customer, code)
    outcome = "success" if code == BANK_OK else "declined"
    await repository.finish_result(session, request.bank_tran_id, outcome, body.model_dump_json())
    return body


async def _move(
    session: AsyncSession,
    kind: TranType,
    request: TransferCreate,
    customer: SandboxBankAccount,
    corporate: SandboxBankAccount,
    now: datetime,
) -> str:
    source, target = (customer, corporate) if kind == "withdraw" else (corporate, customer)
    amount = request.tran_amt
    await repository.lock_accounts(session, [source.id, target.id])
    source_after = await repository.debit(session, source.id, amount)
    if source_after is None:
        return BANK_INSUFFICIENT_BALANCE if kind == "withdraw" else BANK_CORPORATE_INSUFFICIENT
    target_after = await repository.credit(session, target.id, amount)
    for account, other, direction, after in (
        (source, target, "out", source_after),
        (target, source, "in", target_after),
    ):
        session.add(
            SandboxBankTransaction(
                account_id=account.id,
                bank_tran_id=request.bank_tran_id,
                direction=direction,
                amount=amount,
                balance_after=after,
                counterparty=other.holder_name,
                memo=request.print_content,
                created_at=now,
            )
        )
    await session.flush()
    return BANK_OK


# --- result inquiry ----------------------------------------------------------------------------


async def transfer_result(session: AsyncSession, bank_tran_id: str) -> TransferResultRead:
    """What became of a withdraw/deposit. An id never seen is recorded as cancelled first, so
    that a late arrival of it is refused: the answer can never be contradicted later."""
    tombstone = json.dumps({"bank_rsp_code": BANK_NOT_PROCESSED})
    if await repository.claim_result(session, bank_tran_id, "cancelled", tombstone, clock.now()):
        return _cancelled(bank_tran_id)
    stored = await repository.result(session, bank_tran_id)
    assert stored is not None
    if stored.outcome == "cancelled":
        return _cancelled(bank_tran_id)
    first = TransferRead.model_validate_json(stored.response_json)
    return TransferResultRead(
        **envelope(),
        **bank_layer(bank_tran_id, first.bank_code_std, first.bank_rsp_code),
        org_bank_tran_id=bank_tran_id,
        tran_result="success" if stored.outcome == "success" else "declined",
        tran_type=first.tran_type,
        tran_amt=first.tran_amt,
    )


def _cancelled(bank_tran_id: str) -> TransferResultRead:
    return TransferResultRead(
        **envelope(),
        **bank_layer(bank_tran_id, CORPORATE_BANK_CODE, BANK_NOT_PROCESSED),
        org_bank_tran_id=bank_tran_id,
        tran_result="cancelled",
        tran_type=None,
        tran_amt=None,
    )
