from easypay.errors import Conflict, EasyPayError, Forbidden, InvalidInput, NotFound, Unauthorized


class PhoneTaken(Conflict):
    code = "PhoneTaken"
    message = "An account with this phone number already exists."


class WeakPassword(InvalidInput):
    code = "WeakPassword"
    message = (
        "Use at least 8 characters with letters and digits (or symbols), not your phone number."
    )


class InvalidCredentials(Unauthorized):
    code = "InvalidCredentials"
    message = "The phone number or password is wrong."


class NotSignedIn(Unauthorized):
    code = "NotSignedIn"
    message = "Sign in first."


class OperatorOnly(Forbidden):
    code = "OperatorOnly"
    message = "Only operators may do this."


class AccountSuspended(Forbidden):
    code = "AccountSuspended"
    message = "This account is suspended. Contact support."


class PinNotSet(Conflict):
    code = "PinNotSet"
    message = "Set your 6-digit payment PIN first."


class PinAlreadySet(Conflict):
    code = "PinAlreadySet"
    message = "A payment PIN is already set; change it with the old one or reset it."


class WeakPin(InvalidInput):
    code = "WeakPin"
    message = "Choose a PIN of 6 digits that is not a repeat, a sequence or your birth date."


class WrongPin(EasyPayError):
    status = 403
    code = "WrongPin"
    message = "The payment PIN is wrong."


class PinLocked(EasyPayError):
    status = 423
    code = "PinLocked"
    message = "Too many wrong PINs: payments are locked until you reset the PIN with your password."


class SessionNotFound(NotFound):
    code = "SessionNotFound"
    message = "No such session."


class UserNotFound(NotFound):
    code = "UserNotFound"
    message = "No EasyPay user has this phone number."


class FriendNotFound(NotFound):
    code = "FriendNotFound"
    message = "This person is not in your friends."


class CannotFriendSelf(InvalidInput):
    code = "CannotFriendSelf"
    message = "You cannot add yourself as a friend."


class AlreadyFriends(Conflict):
    code = "AlreadyFriends"
    message = "This person is already in your friends."
