"""The sandbox card issuer's answer codes and the errors it renders.

Like a card network, the issuer answers every card operation it could take with HTTP 200 and a
2-digit `result_code`: `00` approved, anything else a decline saying why. Only a call the API
cannot take at all (bad token, malformed body, unknown admin object, an inquiry about a request
it never saw) is a 4xx, rendered `{"error": code, "detail": sentence}`.
"""

from __future__ import annotations

from typing import ClassVar

APPROVED = "00"
DO_NOT_HONOR = "05"  # 거래 거절 (카드사 사유)
INVALID_TRANSACTION = "12"  # 잘못된 거래: unknown approval, a request id cancelled by an inquiry
INVALID_AMOUNT = "13"  # over-capture, over-cancel
INVALID_CARD = "14"  # 없는 카드번호 / 잘못된 카드
INSUFFICIENT_LIMIT = "51"  # 한도 초과
EXPIRED_CARD = "54"  # 유효기간 경과
VERIFICATION_FAILED = "55"  # 생년월일·비밀번호·유효기간 불일치
NOT_PERMITTED = "57"  # 허용되지 않는 거래 (체크카드 할부)
LOST_CARD = "62"  # 분실·정지 카드

MESSAGES = {
    APPROVED: "정상승인",
    DO_NOT_HONOR: "거래 거절",
    INVALID_TRANSACTION: "잘못된 거래",
    INVALID_AMOUNT: "잘못된 금액",
    INVALID_CARD: "유효하지 않은 카드",
    INSUFFICIENT_LIMIT: "한도 초과",
    EXPIRED_CARD: "유효기간 경과",
    VERIFICATION_FAILED: "카드 정보 불일치",
    NOT_PERMITTED: "허용되지 않는 거래",
    LOST_CARD: "분실·정지 카드",
}
DECLINE_CODES = frozenset(MESSAGES) - {APPROVED}


def message_of(code: str) -> str:
    return MESSAGES.get(code, "거래 거절")


class SandboxCardError(Exception):
    """A call the API refuses outright."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "BadRequest"
    message: ClassVar[str] = "The request is not valid."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.message
        super().__init__(self.detail)


class Unauthorized(SandboxCardError):
    status = 401
    code = "Unauthorized"
    message = "A valid Bearer token is required."


class BadRequest(SandboxCardError):
    status = 400
    code = "BadRequest"
    message = "The request is not valid."


class CardNotFound(SandboxCardError):
    status = 404
    code = "CardNotFound"
    message = "No such card."


class AuthorizationNotFound(SandboxCardError):
    status = 404
    code = "AuthorizationNotFound"
    message = "The issuer never processed an authorisation with this request id."


class CardExists(SandboxCardError):
    status = 409
    code = "CardExists"
    message = "A card with this number exists."


class InjectedFailure(Exception):
    """A `fail_after_success` fault: the work is committed, the answer is a bare HTTP 500."""
