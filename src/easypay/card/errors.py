"""Errors of the card package (registering, listing and removing a user's cards)."""

from __future__ import annotations

from easypay.errors import Conflict, EasyPayError, InvalidInput, NotFound


class CardError(EasyPayError):
    """Base of this package's errors."""


class InvalidCardNumber(InvalidInput, CardError):
    code = "InvalidCardNumber"
    message = "This is not a valid card number."


class InvalidCardDetails(InvalidInput, CardError):
    code = "InvalidCardDetails"
    message = "Give the expiry as MMYY, the birth date as YYMMDD and two password digits."


class CardExpired(InvalidInput, CardError):
    code = "CardExpired"
    message = "This card has expired."


class CardVerificationFailed(CardError):
    status = 403
    code = "CardVerificationFailed"
    message = "The card's expiry, birth date or password does not match."


class CardNotYours(CardError):
    status = 403
    code = "CardNotYours"
    message = "Register a card in your own name: the birth date is not yours."


class CardRestricted(CardError):
    status = 403
    code = "CardRestricted"
    message = "The card issuer does not allow this card (reported lost or suspended)."


class CardRefused(CardError):
    status = 402
    code = "CardRefused"
    message = "The card issuer refused this card."


class IssuerUnavailable(CardError):
    status = 503
    code = "CardIssuerUnavailable"
    message = "The card issuer is not answering. Try again in a moment."


class CardAlreadyRegistered(Conflict, CardError):
    code = "CardAlreadyRegistered"
    message = "This card is already registered in your wallet."


class CardRegisteredElsewhere(Conflict, CardError):
    code = "CardRegisteredElsewhere"
    message = "This card is registered in another wallet."


class TooManyCards(Conflict, CardError):
    code = "TooManyCards"
    message = "A wallet holds at most 20 cards: remove one first."


class CardNotFound(NotFound, CardError):
    code = "CardNotFound"
    message = "No such card."
