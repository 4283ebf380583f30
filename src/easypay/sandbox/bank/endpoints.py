"""The sandbox bank's HTTP API (KFTC Open Banking v2.0 style) and its administration API.

Every route needs `Authorization: Bearer <bank_api_token>`. Bank refusals are HTTP 200 with
`rsp_code` `A0002` (as KFTC answers them); 4xx is only for calls the API cannot take.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request

from easypay.config import AppSettings
from easypay.db import DbSession, database_of
from easypay.sandbox.bank import service
from easypay.sandbox.bank.errors import (
    AccountExists,
    AccountNotFound,
    BadRequest,
    InjectedFailure,
    SandboxBankError,
    Unauthorized,
)
from easypay.sandbox.bank.schemas import (
    ACCOUNT_PATTERN,
    BANK_CODE_PATTERN,
    BANK_TRAN_ID_PATTERN,
    AccountCreate,
    AccountFields,
    AccountListRead,
    AccountRead,
    BalanceRead,
    Envelope,
    FaultCreate,
    FaultFields,
    FaultListRead,
    FaultRead,
    FaultsCleared,
    RealNameQuery,
    RealNameRead,
    TransactionListRead,
    TransferCreate,
    TransferRead,
    TransferResultQuery,
    TransferResultRead,
)

Body = TypeVar("Body")


async def require_token(request: Request, settings: AppSettings) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.bank_api_token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise Unauthorized()


def _errors(*errors: type[SandboxBankError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` in the bank's envelope."""
    responses: dict[int | str, dict[str, Any]] = {}
    declared: tuple[type[SandboxBankError], ...] = (Unauthorized, BadRequest, *errors)
    for error in declared:
        responses[error.status] = {"model": Envelope, "description": error.message}
    return responses


def _deliver(answer: service.Answer[Body]) -> Body:
    if answer.fail_after_success:
        raise InjectedFailure()
    return answer.body


router = APIRouter(prefix="/v2.0", dependencies=[Depends(require_token)])
admin_router = APIRouter(
    prefix="/_sandbox", tags=["sandbox administration"], dependencies=[Depends(require_token)]
)

BankCode = Annotated[str, Query(description="Standard bank code.", pattern=BANK_CODE_PATTERN)]
AccountNumber = Annotated[str, Query(description="Account number.", pattern=ACCOUNT_PATTERN)]
InquiryId = Annotated[
    str | None, Query(description="Caller's id for this inquiry.", pattern=BANK_TRAN_ID_PATTERN)
]


# --- inquiries ---------------------------------------------------------------------------------


@router.post(
    "/inquiry/real_name",
    tags=["inquiry"],
    summary="계좌실명조회: the holder's name of an account",
    responses=_errors(),
)
async def real_name(body: RealNameQuery, request: Request) -> RealNameRead:
    return _deliver(await service.real_name(database_of(request), body))


@router.get(
    "/account/list",
    tags=["account"],
    summary="계좌목록조회: a customer's accounts",
    responses=_errors(),
)
async def account_list(
    db: DbSession,
    customer_id: Annotated[
        str, Query(description="E.164 phone number.", min_length=1, max_length=32)
    ],
) -> AccountListRead:
    return await service.accounts_of(db, customer_id)


@router.get(
    "/account/balance/acnt_num",
    tags=["account"],
    summary="잔액조회: the balance of an account",
    responses=_errors(),
)
async def balance(
    db: DbSession,
    bank_code_std: BankCode,
    account_num: AccountNumber,
    bank_tran_id: InquiryId = None,
) -> BalanceRead:
    return await service.balance(db, bank_code_std, account_num, bank_tran_id)


@router.get(
    "/account/transaction_list/acnt_num",
    tags=["account"],
    summary="거래내역조회: an account's transactions, newest first",
    responses=_errors(),
)
async def transaction_list(
    db: DbSession,
    bank_code_std: BankCode,
    account_num: AccountNumber,
    bank_tran_id: InquiryId = None,
    limit: Annotated[int, Query(description="At most this many.", ge=1, le=500)] = 100,
) -> TransactionListRead:
    return await service.transactions(db, bank_code_std, account_num, bank_tran_id, limit)


# --- transfers ---------------------------------------------------------------------------------


@router.post(
    "/transfer/withdraw/acnt_num",
    tags=["transfer"],
    summary="출금이체: customer's account → EasyPay's corporate account (idempotent)",
    responses=_errors(),
)
async def withdraw(body: TransferCreate, request: Request) -> TransferRead:
    return _deliver(await service.withdraw(database_of(request), body))


@router.post(
    "/transfer/deposit/acnt_num",
    tags=["transfer"],
    summary="입금이체: EasyPay's corporate account → customer's account (idempotent)",
    responses=_errors(),
)
async def deposit(body: TransferCreate, request: Request) -> TransferRead:
    return _deliver(await service.deposit(database_of(request), body))


@router.post(
    "/transfer/result",
    tags=["transfer"],
    summary="이체결과조회: what became of a withdraw/deposit",
    description="An id the bank never saw is recorded as cancelled (and refused if it ever "
    "arrives), and answered `tran_result: cancelled`.",
    responses=_errors(),
)
async def transfer_result(body: TransferResultQuery, db: DbSession) -> TransferResultRead:
    return await service.transfer_result(db, body.org_bank_tran_id)


# --- administration ----------------------------------------------------------------------------


def _account_read(account: Any) -> AccountRead:
    fields = AccountFields.model_validate(account).model_dump()
    return AccountRead(**service.envelope(), **fields)


@admin_router.post(
    "/accounts",
    status_code=201,
    summary="Open a customer account",
    responses=_errors(AccountExists),
)
async def open_account(body: AccountCreate, db: DbSession) -> AccountRead:
    account = await service.open_account(
        db,
        body.bank_code,
        body.account_number,
        body.holder_name,
        body.customer_id,
        body.balance,
        body.holder_birth_date,
    )
    return _account_read(account)


@admin_router.get(
    "/accounts/{bank_code}/{account_number}",
    summary="Read an account (the corporate one included)",
    responses=_errors(AccountNotFound),
)
async def read_account(bank_code: str, account_number: str, db: DbSession) -> AccountRead:
    if (bank_code, account_number) == (
        service.CORPORATE_BANK_CODE,
        service.CORPORATE_ACCOUNT_NUMBER,
    ):
        await service.ensure_corporate_account(db)
    return _account_read(await service.account(db, bank_code, account_number))


@admin_router.post(
    "/faults",
    status_code=201,
    summary="Make the next matching calls misbehave",
    responses=_errors(),
)
async def add_fault(body: FaultCreate, db: DbSession) -> FaultRead:
    fault = await service.add_fault(
        db,
        body.operation,
        body.mode,
        account_number=body.account_number,
        count=body.count,
        delay_seconds=body.delay_seconds,
    )
    return FaultRead(**service.envelope(), **FaultFields.model_validate(fault).model_dump())


@admin_router.get("/faults", summary="List the faults", responses=_errors())
async def list_faults(db: DbSession) -> FaultListRead:
    faults = [FaultFields.model_validate(fault) for fault in await service.faults(db)]
    return FaultListRead(**service.envelope(), res_cnt=len(faults), res_list=faults)


@admin_router.delete("/faults", summary="Remove every fault", responses=_errors())
async def clear_faults(db: DbSession) -> FaultsCleared:
    return FaultsCleared(**service.envelope(), deleted=await service.clear_faults(db))
