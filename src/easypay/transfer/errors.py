from easypay.errors import Conflict, EasyPayError, InvalidInput, NotFound


class TransferNotFound(NotFound):
    code = "TransferNotFound"
    message = "No such transfer."


class RecipientNotFound(NotFound):
    code = "RecipientNotFound"
    message = "No EasyPay user has this phone number."


class CannotSendToYourself(InvalidInput):
    code = "CannotSendToYourself"
    message = "You cannot send money to yourself."


class TransferLimitExceeded(EasyPayError):
    status = 403
    code = "TransferLimitExceeded"
    message = "This is more than you may send."


class TransferAlreadyResolved(Conflict):
    code = "TransferAlreadyResolved"
    message = "This transfer has already been received, declined, canceled or returned."


class TransferExpired(Conflict):
    code = "TransferExpired"
    message = "This transfer was not received in time; the money went back to the sender."


class RecipientCapExceeded(Conflict):
    code = "RecipientCapExceeded"
    message = "Receiving this would take the balance over the holding cap; withdraw some first."


class MoneyRequestNotFound(NotFound):
    code = "MoneyRequestNotFound"
    message = "No such money request."


class MoneyRequestClosed(Conflict):
    code = "MoneyRequestClosed"
    message = "This request is closed."


class AlreadyAnswered(Conflict):
    code = "AlreadyAnswered"
    message = "This request has already been paid or declined."


class SharesDoNotAddUp(InvalidInput):
    code = "SharesDoNotAddUp"
    message = "The shares must add up to the total."


class NotAParticipant(NotFound):
    code = "MoneyRequestNotFound"
    message = "No such money request."
