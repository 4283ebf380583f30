"""A user's cards: register one with the card issuer, list them, remove one.

The issuer checks the card (number, expiry, the holder's birth date, two password digits) and
hands back a token; EasyPay keeps the token, the BIN and the last 4 digits, never the number.
The issuer is asked before this request's session touches the database, so that no
transaction is open during the HTTP call (on SQLite the issuer's sandbox writes to the same
file).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.card import errors, repository
from easypay.card.gateway import CardDeclined, CardIssuer, CardIssuerUnavailable
from easypay.card.numbers import expired, expiry_valid, luhn_valid, normalize_number
from easypay.config import Settings
from easypay.db import Database
from easypay.errors import RateLimited
from easypay.kit import ratelimit
from easypay.kit.clock import clock
from easypay.models import Card, User

MAX_CARDS = 20
NICKNAME_LENGTH = 40
# Refusals that mean "wrong details": counted, so that nobody can guess a card's password
# digits or birth date by trying them all.
GUESSING_CODES = frozenset({"14", "54", "55"})


@dataclass(frozen=True)
class CardDetails:
    """What the user typed, checked and normalised."""

    number: str
    expiry: str
    birth_date: str
    password_two_digits: str
    nickname: str


def check_details(
    user: User,
    number: str,
    expiry: str,
    birth_date: str,
    password_two_digits: str,
    nickname: str = "",
) -> CardDetails:
    """Refuse malformed details before the issuer is asked (422s), and cards not in the user's
    own name (the birth date must be theirs)."""
    number = normalize_number(number)
    if not luhn_valid(number):
        raise errors.InvalidCardNumber()
    expiry = expiry.replace("/", "").strip()
    if not expiry_valid(expiry):
        raise errors.InvalidCardDetails("The expiry is MMYY, e.g. 1231.")
    if expired(expiry, clock.now()):
        raise errors.CardExpired()
    if len(birth_date) != 6 or not birth_date.isascii() or not birth_date.isdigit():
        raise errors.InvalidCardDetails("The birth date is YYMMDD, e.g. 900517.")
    if birth_date != user.birth_date.strftime("%y%m%d"):
        raise errors.CardNotYours()
    if len(password_two_digits) != 2 or not password_two_digits.isascii():
        raise errors.InvalidCardDetails("Give the first two digits of the card password.")
    if not password_two_digits.isdigit():
        raise errors.InvalidCardDetails("Give the first two digits of the card password.")
    nickname = nickname.strip()
    if len(nickname) > NICKNAME_LENGTH:
        raise errors.InvalidCardDetails(f"A nickname is at most {NICKNAME_LENGTH} characters.")
    return CardDetails(number, expiry, birth_date, password_two_digits, nickname)


def _refusal(declined: CardDeclined) -> errors.CardError:
    code = declined.code
    if code == "14":
        return errors.InvalidCardNumber("The card issuer does not know this card.")
    if code == "54":
        return errors.CardExpired()
    if code == "55":
        return errors.CardVerificationFailed()
    if code in ("05", "62"):
        return errors.CardRestricted()
    return errors.CardRefused(f"The card issuer refused this card ({code}).")


def _attempts_key(user: User) -> str:
    return f"card-register:{user.id}"


async def register(
    database: Database,
    session: AsyncSession,
    issuer: CardIssuer,
    settings: Settings,
    user: User,
    details: CardDetails,
) -> Card:
    """Register a card in the user's wallet (the PIN is checked by the caller). After
    `card_verify_limit_per_user` refusals for wrong details in a window, the issuer is not
    asked again until the window has passed."""
    key, limit, window = (
        _attempts_key(user),
        settings.card_verify_limit_per_user,
        settings.rate_window_seconds,
    )
    if await ratelimit.attempts(database, key, window) >= limit:
        raise RateLimited("Too many refused card registrations. Wait a few minutes and try again.")
    try:
        registered = await issuer.register(
            details.number, details.expiry, details.birth_date, details.password_two_digits
        )
    except CardDeclined as declined:
        if declined.code in GUESSING_CODES:
            with contextlib.suppress(RateLimited):  # this attempt's own answer is shown
                await ratelimit.hit(database, key, limit, window)
        raise _refusal(declined) from declined
    except CardIssuerUnavailable as failure:
        raise errors.IssuerUnavailable() from failure
    nickname = details.nickname or f"{registered.corp_name} {registered.last4}"
    await repository.lock_wallet(session, user)
    existing = await repository.by_token(session, registered.token, for_update=True)
    if existing is not None:
        if existing.user_id != user.id:
            raise errors.CardRegisteredElsewhere()
        if existing.status == "active":
            raise errors.CardAlreadyRegistered()
    if await repository.count_active(session, user) >= MAX_CARDS:
        raise errors.TooManyCards()
    if existing is not None:  # registered before and removed: it comes back, history and all
        existing.status = "active"
        existing.removed_at = None
        existing.nickname = nickname
        await session.flush()
        return existing
    card = Card(
        user_id=user.id,
        issuer_token=registered.token,
        corp_code=registered.corp_code,
        corp_name=registered.corp_name,
        bin=registered.bin,
        last4=registered.last4,
        card_type=registered.card_type,
        nickname=nickname,
        status="active",
        created_at=clock.now(),
    )
    try:
        async with session.begin_nested():
            session.add(card)
            await session.flush()
    except IntegrityError as duplicate:  # the same card, registered concurrently
        raise errors.CardAlreadyRegistered() from duplicate
    return card


async def cards_of(session: AsyncSession, user: User) -> list[Card]:
    return await repository.cards_of(session, user)


async def card_of(session: AsyncSession, user: User, card_id: int) -> Card:
    """One of the user's active cards (CardNotFound for anyone else's)."""
    card = await repository.card_of(session, user, card_id)
    if card is None:
        raise errors.CardNotFound()
    return card


async def remove(session: AsyncSession, user: User, card_id: int) -> Card:
    """Take a card out of the wallet. The row stays (payments point at it); the issuer's token
    is kept so that registering the card again brings the same row back."""
    card = await repository.card_of(session, user, card_id, for_update=True)
    if card is None:
        raise errors.CardNotFound()
    card.status = "removed"
    card.removed_at = clock.now()
    await session.flush()
    return card
