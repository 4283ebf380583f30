"""Refusals of in-store payments (payment codes and the POS API), in EasyPay's JSON envelope."""

from __future__ import annotations

from easypay.card.errors import IssuerUnavailable
from easypay.errors import Conflict, EasyPayError, Forbidden, NotFound, Unauthorized


class PaymentCodeNotFound(NotFound):
    code = "PaymentCodeNotFound"
    message = "No such payment code: ask the buyer to show a fresh code."


class PaymentCodeExpired(Conflict):
    code = "PaymentCodeExpired"
    message = "This payment code has expired: ask the buyer to refresh it."


class PaymentCodeUsed(Conflict):
    code = "PaymentCodeUsed"
    message = "This payment code was already used: ask the buyer to show a fresh code."


class CodeMethodNotSupported(Conflict):
    code = "MethodNotSupported"
    message = "Card payment codes are not supported yet: ask the buyer for a Pay Money code."


class PosRequestIdReused(Conflict):
    code = "PosRequestIdReused"
    message = "This pos_request_id was already used for a different code or amount."


class PosPaymentNotFound(NotFound):
    code = "PosPaymentNotFound"
    message = "No POS payment of yours has this pos_request_id."


class PosNotEnabled(Conflict):
    code = "PosNotEnabled"
    message = "This merchant has no one-time CID to take in-store payments with."


class BuyerUnavailable(Conflict):
    code = "BuyerUnavailable"
    message = "The buyer's account cannot pay right now."


class PaymentDeclined(EasyPayError):
    status = 402
    code = "PaymentDeclined"
    message = "The buyer's Pay Money balance is not enough and could not be auto-charged."


class PosCancelRefused(Conflict):
    code = "CancelRefused"
    message = "This cancel does not fit what remains of the payment."


class RefreshRefused(Forbidden):
    code = "RefreshRefused"
    message = "Enter your payment PIN to show a new payment code."


class MerchantKeyInvalid(Unauthorized):
    code = "InvalidMerchantKey"
    message = (
        "Send a valid merchant key: `Authorization: SECRET_KEY <secret key>` "
        "(or `KakaoAK <admin key>`)."
    )


class CardIssuerDown(IssuerUnavailable):
    message = "The card issuer did not answer; retry with the same pos_request_id."
