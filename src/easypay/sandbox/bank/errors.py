"""The sandbox bank's answer codes and the errors it renders in its own envelope.

Like KFTC Open Banking, the bank answers in two layers: `rsp_code` says how the API call went
(`A0000` done, `A0002` the bank refused, see `bank_rsp_code`), `bank_rsp_code` what the bank
itself said (`000` done). A bank refusal is an HTTP 200 with `rsp_code` `A0002`; only a call the
API could not take at all (bad token, malformed body, unknown admin object) is a 4xx.
The numbers below are this sandbox's; a real bank's table is longer.
"""

from __future__ import annotations

from typing import ClassVar

# --- rsp_code: the API layer ------------------------------------------------------------------
RSP_OK = "A0000"
RSP_BANK_ERROR = "A0002"  # the bank refused; bank_rsp_code says why
RSP_BAD_REQUEST = "A0003"
RSP_NOT_FOUND = "A0004"
RSP_CONFLICT = "A0005"
RSP_INTERNAL = "A0009"
RSP_UNAUTHORIZED = "O0001"

# --- bank_rsp_code: the bank layer ------------------------------------------------------------
BANK_OK = "000"
BANK_ACCOUNT_NOT_FOUND = "412"  # 해당계좌 없음
BANK_HOLDER_INFO_MISMATCH = "815"  # 예금주 정보 불일치
BANK_INSUFFICIENT_BALANCE = "551"  # 잔액 부족
BANK_CORPORATE_INSUFFICIENT = "552"  # 이용기관 약정계좌 잔액 부족
BANK_TRAN_ID_CANCELLED = "830"  # a result inquiry cancelled this bank_tran_id: not processed
BANK_NOT_PROCESSED = "831"  # result inquiry: the bank never saw this bank_tran_id
BANK_DECLINED = "999"  # declined on purpose (fault injection)

BANK_MESSAGES = {
    BANK_OK: "정상처리",
    BANK_ACCOUNT_NOT_FOUND: "해당계좌 없음",
    BANK_HOLDER_INFO_MISMATCH: "예금주 정보 불일치",
    BANK_INSUFFICIENT_BALANCE: "잔액 부족",
    BANK_CORPORATE_INSUFFICIENT: "이용기관 약정계좌 잔액 부족",
    BANK_TRAN_ID_CANCELLED: "취소된 거래고유번호: 처리하지 않음",
    BANK_NOT_PROCESSED: "미처리 거래: 취소로 기록함",
    BANK_DECLINED: "은행 거절 (샌드박스 장애 주입)",
}


class SandboxBankError(Exception):
    """A call the API refuses outright, rendered as the envelope with `status`."""

    status: ClassVar[int] = 400
    rsp_code: ClassVar[str] = RSP_BAD_REQUEST
    message: ClassVar[str] = "The request is not valid."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.message
        super().__init__(self.detail)


class Unauthorized(SandboxBankError):
    status = 401
    rsp_code = RSP_UNAUTHORIZED
    message = "A valid Bearer token is required."


class BadRequest(SandboxBankError):
    status = 400
    rsp_code = RSP_BAD_REQUEST
    message = "The request is not valid."


class AccountNotFound(SandboxBankError):
    status = 404
    rsp_code = RSP_NOT_FOUND
    message = "No such account."


class AccountExists(SandboxBankError):
    status = 409
    rsp_code = RSP_CONFLICT
    message = "This account already exists."


class BankRefused(SandboxBankError):
    """An inquiry the bank refuses (unknown account, wrong holder info, an injected decline):
    like KFTC, an HTTP 200 whose `rsp_code` is `A0002` and whose `bank_rsp_code` says why."""

    status = 200
    rsp_code = RSP_BANK_ERROR
    message = "참가은행 에러"

    def __init__(self, bank_rsp_code: str, bank_code_std: str, bank_tran_id: str) -> None:
        super().__init__(BANK_MESSAGES.get(bank_rsp_code, self.message))
        self.bank_rsp_code = bank_rsp_code
        self.bank_code_std = bank_code_std
        self.bank_tran_id = bank_tran_id


class InjectedFailure(Exception):
    """A `fail_after_success` fault: the work is committed, the answer is a bare HTTP 500."""
