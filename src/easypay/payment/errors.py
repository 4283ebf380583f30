"""Payment refusals, each with its KakaoPay-compatible error code (one table: `code`).

Codes: -2 invalid parameter, -401 authentication failure, -701 approve before the buyer
finished, -702 already paid, -708 invalid pg_token, -721 TID not found, -723 payment expired,
-750 SID not found, -751 SID inactive, -780 approval failure, -781 cancel failure, -782
subscription charge failure, -799 unknown CID. HTTP: 401 for authentication,
400 for the rest (what KakaoPay clients map).
"""

from __future__ import annotations

from typing import ClassVar

from easypay.errors import EasyPayError


class PaymentError(EasyPayError):
    status = 400
    code = "PaymentError"
    kakao_code: ClassVar[int] = -780
    method_result_code: ClassVar[str] = ""


class InvalidParameter(PaymentError):
    code = "InvalidParameter"
    kakao_code = -2
    message = "invalid parameter"


class AuthenticationFailed(PaymentError):
    status = 401
    code = "AuthenticationFailed"
    kakao_code = -401
    message = "authentication failure"


class BuyerNotFinished(PaymentError):
    code = "BuyerNotFinished"
    kakao_code = -701
    message = "the buyer has not finished the payment"


class AlreadyPaid(PaymentError):
    code = "AlreadyPaid"
    kakao_code = -702
    message = "TID already paid"


class InvalidPgToken(PaymentError):
    code = "InvalidPgToken"
    kakao_code = -708
    message = "invalid pg_token"


class PaymentNotFound(PaymentError):
    status = 400
    code = "PaymentNotFound"
    kakao_code = -721
    message = "TID not found"


class PaymentExpired(PaymentError):
    code = "PaymentExpired"
    kakao_code = -723
    message = "payment expired"


class ApprovalFailed(PaymentError):
    code = "ApprovalFailed"
    kakao_code = -780
    message = "approval failure!"


class CancelFailed(PaymentError):
    code = "CancelFailed"
    kakao_code = -781
    message = "cancel failure"


class UnknownCid(PaymentError):
    code = "UnknownCid"
    kakao_code = -799
    message = "unknown CID"


class SubscriptionNotFound(PaymentError):
    code = "SubscriptionNotFound"
    kakao_code = -750
    message = "SID not found"


class SubscriptionInactive(PaymentError):
    code = "SubscriptionInactive"
    kakao_code = -751
    message = "SID is inactive"


class SubscriptionChargeFailed(PaymentError):
    code = "SubscriptionChargeFailed"
    kakao_code = -782
    message = "subscription charge failure"


class CardNotUsable(PaymentError):
    code = "CardNotUsable"
    kakao_code = -780
    message = "This card cannot be used: choose another card or Pay Money."


class MethodNotAllowed(PaymentError):
    code = "MethodNotAllowed"
    kakao_code = -780
    message = "The shop does not accept this payment method for this order."
