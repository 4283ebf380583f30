"""Refusals of the merchant package: applications, approval, keys and the settlement account."""

from easypay.errors import Conflict, Forbidden, InvalidInput, NotFound


class CidTaken(Conflict):
    code = "CidTaken"
    message = "This CID belongs to another merchant."


class InvalidCid(InvalidInput):
    code = "InvalidCid"
    message = "A CID is 10 letters or digits."


class NoMerchantAccount(Forbidden):
    code = "NoMerchantAccount"
    message = "This account runs no approved merchant. Apply at /merchant/apply."


class InvalidBusinessNumber(InvalidInput):
    code = "InvalidBusinessNumber"
    message = "A business registration number is 10 digits with a valid check digit."


class AlreadyApplied(Conflict):
    code = "AlreadyApplied"
    message = "This account already has a merchant or an application waiting for review."


class BusinessNumberTaken(Conflict):
    code = "BusinessNumberTaken"
    message = "A merchant with this business registration number exists or is under review."


class MerchantNotFound(NotFound):
    code = "MerchantNotFound"
    message = "There is no such merchant."


class MerchantNotPending(Conflict):
    code = "MerchantNotPending"
    message = "Only an application waiting for review can be approved or rejected."


class MerchantNotActive(Conflict):
    code = "MerchantNotActive"
    message = "The merchant is not active (pending, suspended or rejected)."


class MerchantNotSuspended(Conflict):
    code = "MerchantNotSuspended"
    message = "Only a suspended merchant can be reactivated."


class SettlementHolderMismatch(Conflict):
    code = "SettlementHolderMismatch"
    message = "The settlement account must be in the merchant's or its owner's name."


class MerchantPaymentNotFound(NotFound):
    code = "MerchantPaymentNotFound"
    message = "This merchant has no such payment."


class KeysPasswordMismatch(Forbidden):
    code = "KeysPasswordMismatch"
    message = "Enter your EasyPay password to issue keys."
