from easypay.errors import Conflict, EasyPayError, InvalidInput, NotFound


class ConsentRequired(InvalidInput):
    code = "ConsentRequired"
    message = "Agree to the account-link terms to link a bank account."


class UnknownBank(InvalidInput):
    code = "UnknownBank"
    message = "This bank is not supported."


class BankAccountNotFound(NotFound):
    code = "BankAccountNotFound"
    message = "The bank has no such account."


class HolderNameMismatch(Conflict):
    code = "HolderNameMismatch"
    message = "The account holder's name is not yours: link an account in your own name."


class AlreadyLinked(Conflict):
    code = "AlreadyLinked"
    message = "This bank account is already linked."


class BankLinkNotFound(NotFound):
    code = "BankLinkNotFound"
    message = "No such linked bank account."


class NoLinkedAccount(Conflict):
    code = "NoLinkedAccount"
    message = "Link a bank account first."


class AmountOutOfRange(InvalidInput):
    code = "AmountOutOfRange"
    message = "The amount is outside what is allowed."


class BankDeclined(EasyPayError):
    status = 402
    code = "BankDeclined"
    message = "The bank declined this request."


class BankUnavailable(EasyPayError):
    status = 503
    code = "BankUnavailable"
    message = "The bank cannot be reached right now. Try again in a few minutes."


class AutoChargeOff(EasyPayError):
    status = 402
    code = "InsufficientFunds"
    message = "Your balance is not enough and auto-charge is off."


class ChargePending(EasyPayError):
    status = 409
    code = "ChargePending"
    message = "The bank has not confirmed the charge yet; try again in a moment."


class OperationNotFound(NotFound):
    code = "OperationNotFound"
    message = "No such charge or withdrawal."
