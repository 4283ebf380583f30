"""Requests and answers of the sandbox bank, shaped after KFTC Open Banking v2.0.

Every answer carries the API envelope (`api_tran_id`, `api_tran_dtm`, `rsp_code`,
`rsp_message`); answers about a bank operation add the bank's own layer (`bank_tran_id`,
`bank_code_std`, `bank_rsp_code`, `bank_rsp_message`). Amounts are whole won as JSON integers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

BANK_TRAN_ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
BANK_CODE_PATTERN = r"^\d{3}$"
ACCOUNT_PATTERN = r"^\d{6,20}$"

Operation = Literal["withdraw", "deposit", "realname", "any"]
FaultMode = Literal["decline", "timeout", "fail_after_success"]
TranType = Literal["withdraw", "deposit"]
TranResult = Literal["success", "declined", "cancelled"]


BANK_CODE_FIELD = Field(
    description="Standard 3-digit bank code (은행 표준코드).",
    examples=["088"],
    pattern=BANK_CODE_PATTERN,
)
ACCOUNT_FIELD = Field(description="Account number, digits only.", examples=["110123456789"])
TRAN_DTIME_FIELD = Field(
    "", description="When the caller sent the request, yyyyMMddHHmmss (KST).", max_length=14
)


# --- envelopes ---------------------------------------------------------------------------------


class Envelope(BaseModel):
    api_tran_id: str = Field(
        description="Unique id of this API call.", examples=["SB1F2E3D4C5B6A79880A"]
    )
    api_tran_dtm: str = Field(
        description="When the API answered, yyyyMMddHHmmssSSS (KST).",
        examples=["20261126123456789"],
    )
    rsp_code: str = Field(
        description="API result: `A0000` done, `A0002` the bank refused (see bank_rsp_code).",
        examples=["A0000"],
    )
    rsp_message: str = Field(description="API result in words.", examples=[""])


class BankEnvelope(Envelope):
    bank_tran_id: str = Field(description="The bank transaction id.", examples=["EP3F9A0C1D2E"])
    bank_tran_date: str = Field(description="Bank business date, yyyyMMdd.", examples=["20261126"])
    bank_code_tran: str = Field(description="Bank that answered.", examples=["088"])
    bank_code_std: str = Field(description="Bank of the account concerned.", examples=["088"])
    bank_rsp_code: str = Field(description="Bank result: `000` done.", examples=["000"])
    bank_rsp_message: str = Field(description="Bank result in words.", examples=["정상처리"])


# --- inquiries ---------------------------------------------------------------------------------


class RealNameQuery(BaseModel):
    bank_tran_id: str | None = Field(
        None, description="Caller's id for this inquiry.", pattern=BANK_TRAN_ID_PATTERN
    )
    bank_code_std: str = BANK_CODE_FIELD
    account_num: str = Field(
        description="Account number, digits only.",
        examples=["110123456789"],
        pattern=ACCOUNT_PATTERN,
    )
    account_holder_info_type: str = Field(
        " ", description="` ` (a space): holder's date of birth.", max_length=1
    )
    account_holder_info: str = Field(
        "",
        description="Holder's date of birth, YYMMDD, checked when given; empty for a recipient"
        " inquiry (before sending to someone else's account).",
        examples=["900517"],
        pattern=r"^(\d{6})?$",
    )
    tran_dtime: str = TRAN_DTIME_FIELD


class RealNameRead(BankEnvelope):
    bank_name: str = Field(description="Bank name.", examples=["신한은행"])
    account_num: str = Field(
        description="The account number asked about.", examples=["110123456789"]
    )
    account_holder_info: str = Field(description="As asked.", examples=["900517"])
    account_holder_name: str = Field(description="The account holder's name.", examples=["김민준"])


class AccountSummary(BaseModel):
    bank_code_std: str = Field(description="Standard bank code.", examples=["088"])
    bank_name: str = Field(description="Bank name.", examples=["신한은행"])
    account_num: str = Field(description="Account number.", examples=["110123456789"])
    account_num_masked: str = Field(description="Masked number.", examples=["110-***-**6789"])
    account_holder_name: str = Field(description="Holder's name.", examples=["김민준"])


class AccountListRead(Envelope):
    customer_id: str = Field(description="The customer (E.164 phone).", examples=["+821012345678"])
    res_cnt: int = Field(description="Number of accounts.", examples=[1])
    res_list: list[AccountSummary] = Field(description="The customer's accounts.")


class BalanceRead(BankEnvelope):
    bank_name: str = Field(description="Bank name.", examples=["신한은행"])
    account_num_masked: str = Field(description="Masked number.", examples=["110-***-**6789"])
    balance_amt: int = Field(description="Balance, KRW.", examples=[1500000])
    available_amt: int = Field(description="What may be withdrawn now, KRW.", examples=[1500000])


class TransactionItem(BaseModel):
    tran_date: str = Field(description="Date, yyyyMMdd (KST).", examples=["20261126"])
    tran_time: str = Field(description="Time, HHmmss (KST).", examples=["123456"])
    inout_type: Literal["입금", "출금"] = Field(description="입금 (in) or 출금 (out).")
    tran_type: str = Field(description="Kind of transaction.", examples=["이체"])
    print_content: str = Field(description="Memo printed on the statement.", examples=["EasyPay"])
    tran_amt: int = Field(description="Amount, KRW.", examples=[50000])
    after_balance_amt: int = Field(description="Balance after it, KRW.", examples=[1450000])
    bank_tran_id: str = Field(description="Bank transaction id (empty for opening).")
    counterparty_name: str = Field(description="The other side.", examples=["EasyPay"])


class TransactionListRead(BankEnvelope):
    bank_name: str = Field(description="Bank name.", examples=["신한은행"])
    account_num_masked: str = Field(description="Masked number.", examples=["110-***-**6789"])
    balance_amt: int = Field(description="Balance now, KRW.", examples=[1450000])
    res_cnt: int = Field(description="Number of transactions listed.", examples=[1])
    res_list: list[TransactionItem] = Field(description="Transactions, newest first.")


# --- transfers ---------------------------------------------------------------------------------


class TransferCreate(BaseModel):
    """출금이체 (withdraw: customer → EasyPay) or 입금이체 (deposit: EasyPay → customer)."""

    bank_tran_id: str = Field(
        description="Caller-chosen unique id; the same id again returns the first answer and "
        "moves nothing.",
        examples=["EP3F9A0C1D2E3F4A5B6C"],
        pattern=BANK_TRAN_ID_PATTERN,
    )
    bank_code_std: str = BANK_CODE_FIELD
    account_num: str = Field(
        description="The customer's account number.",
        examples=["110123456789"],
        pattern=ACCOUNT_PATTERN,
    )
    tran_amt: StrictInt = Field(description="Amount, KRW.", examples=[50000], gt=0, le=10**12)
    print_content: str = Field(
        "",
        description="Memo on the customer's statement.",
        examples=["EasyPay 충전"],
        max_length=50,
    )
    req_client_name: str = Field(
        "", description="Name of the customer asking for it.", examples=["김민준"], max_length=50
    )
    tran_dtime: str = TRAN_DTIME_FIELD


class TransferRead(BankEnvelope):
    tran_type: TranType = Field(description="withdraw (출금이체) or deposit (입금이체).")
    bank_name: str = Field(description="Bank of the customer's account.", examples=["신한은행"])
    account_num_masked: str = Field(description="Customer's account, masked.")
    account_holder_name: str = Field(description="Customer's name (empty if unknown).")
    tran_amt: int = Field(description="Amount, KRW.", examples=[50000])
    print_content: str = Field(description="Memo on the customer's statement.")
    cntr_account_num_masked: str = Field(description="EasyPay's corporate account, masked.")


class TransferResultQuery(BaseModel):
    org_bank_tran_id: str = Field(
        description="The bank_tran_id of the withdraw/deposit.",
        examples=["EP3F9A0C1D2E3F4A5B6C"],
        pattern=BANK_TRAN_ID_PATTERN,
    )
    tran_dtime: str = TRAN_DTIME_FIELD


class TransferResultRead(BankEnvelope):
    """What became of a withdraw/deposit. `cancelled`: the bank never saw it and has now
    recorded the id as cancelled, so it will refuse it if it ever arrives."""

    org_bank_tran_id: str = Field(description="The id asked about.")
    tran_result: TranResult = Field(description="success, declined or cancelled.")
    tran_type: TranType | None = Field(description="withdraw or deposit (null if cancelled).")
    tran_amt: int | None = Field(description="Amount, KRW (null if cancelled).")


# --- sandbox administration --------------------------------------------------------------------


class AccountCreate(BaseModel):
    bank_code: str = BANK_CODE_FIELD
    account_number: str = Field(
        description="Account number, digits.", examples=["110123456789"], pattern=ACCOUNT_PATTERN
    )
    holder_name: str = Field(
        description="Holder's name.", examples=["김민준"], min_length=1, max_length=50
    )
    customer_id: str = Field(
        description="Customer id (E.164 phone).",
        examples=["+821012345678"],
        min_length=1,
        max_length=32,
    )
    balance: StrictInt = Field(0, description="Opening balance, KRW.", examples=[1000000], ge=0)
    holder_birth_date: date | None = Field(
        None, description="If given, the real-name inquiry checks it.", examples=["1990-05-17"]
    )


class AccountFields(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Account id.", examples=[3])
    bank_code: str = Field(description="Bank code.", examples=["088"])
    account_number: str = Field(description="Account number.", examples=["110123456789"])
    holder_name: str = Field(description="Holder's name.", examples=["김민준"])
    holder_birth_date: date | None = Field(description="Holder's date of birth, if recorded.")
    customer_id: str = Field(description="Customer id.", examples=["+821012345678"])
    balance: int = Field(description="Balance, KRW.", examples=[1000000])
    is_corporate: bool = Field(description="EasyPay's own corporate account.")
    created_at: datetime = Field(description="When it was opened.")


class AccountRead(Envelope, AccountFields):
    pass


class FaultCreate(BaseModel):
    operation: Operation = Field(
        description="Which calls misbehave: withdraw, deposit, realname, or any of them."
    )
    account_number: str = Field(
        "*", description="Only calls for this account number; `*` for all.", max_length=20
    )
    mode: FaultMode = Field(
        description="decline: a bank refusal. timeout: answer after delay_seconds (a late "
        "arrival). fail_after_success: do it, then answer HTTP 500 with a non-JSON body."
    )
    count: StrictInt = Field(1, description="How many calls it affects.", ge=1, le=10_000)
    delay_seconds: float = Field(0.0, description="Delay of a timeout fault.", ge=0, le=600)


class FaultFields(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Fault id.")
    operation: str = Field(description="withdraw, deposit, realname or any.")
    account_number: str = Field(description="Account number or `*`.")
    mode: str = Field(description="decline, timeout or fail_after_success.")
    remaining: int = Field(description="Calls it will still affect.")
    delay_seconds: float = Field(description="Delay of a timeout fault.")


class FaultRead(Envelope, FaultFields):
    pass


class FaultListRead(Envelope):
    res_cnt: int = Field(description="Number of faults.")
    res_list: list[FaultFields] = Field(description="Faults, oldest first.")


class FaultsCleared(Envelope):
    deleted: int = Field(description="How many faults were removed.")
