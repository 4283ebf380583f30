"""Refusals of the ledger write path."""

from easypay.errors import Conflict, EasyPayError, InvalidInput, NotFound


class LedgerError(EasyPayError):
    status = 409
    code = "LedgerError"
    message = "The ledger refused this transfer."


class InsufficientFunds(LedgerError):
    status = 402
    code = "InsufficientFunds"
    message = "The balance is not enough."


class CapExceeded(LedgerError):
    status = 409
    code = "HoldingCapExceeded"
    message = "This would take the balance above the holding cap."


class AccountNotFound(LedgerError, NotFound):
    status = 404
    code = "AccountNotFound"
    message = "No such ledger account."


class UnitMismatch(LedgerError, InvalidInput):
    status = 422
    code = "UnitMismatch"
    message = "Both accounts and the transfer must be in the same unit."


class InvalidAmount(LedgerError, InvalidInput):
    status = 422
    code = "InvalidAmount"
    message = "The amount must be a positive whole number within range."


class TransferKeyReused(LedgerError, Conflict):
    status = 409
    code = "TransferKeyReused"
    message = "This transfer id was already used for a different transfer."


class PendingNotFound(LedgerError, NotFound):
    status = 404
    code = "PendingTransferNotFound"
    message = "No such pending transfer."


class AlreadyResolved(LedgerError, Conflict):
    status = 409
    code = "AlreadyResolved"
    message = "This hold was already posted, voided or expired."


class PendingExpired(LedgerError, Conflict):
    status = 409
    code = "HoldExpired"
    message = "This hold has expired."


class ChainFailed(LedgerError):
    status = 409
    code = "ChainFailed"
    message = "One transfer of the chain failed, so none was made."
