"""Cards API: my cards, register one (PIN and Idempotency-Key), remove one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from easypay.card import errors, service
from easypay.card.dependencies import Issuer
from easypay.card.numbers import mask
from easypay.card.schemas import CardCreate, CardRead
from easypay.config import AppSettings
from easypay.db import DbSession, database_of
from easypay.errors import RateLimited, error_responses
from easypay.idempotency.dependencies import Idempotent, idempotent
from easypay.identity import errors as identity_errors
from easypay.identity import service as identity
from easypay.identity.dependencies import CurrentUser
from easypay.kit.ids import PathId
from easypay.models import Card
from easypay.money.endpoints import PIN_CALL_ERRORS

router = APIRouter(prefix="/api/v1/cards", tags=["cards"])


def card_read(card: Card) -> CardRead:
    return CardRead(
        id=card.id,
        corp_code=card.corp_code,
        corp_name=card.corp_name,
        bin=card.bin,
        last4=card.last4,
        masked_number=mask(card.bin, card.last4),
        card_type=card.card_type,
        nickname=card.nickname,
        created_at=card.created_at,
    )


@router.get("", summary="My cards", responses=error_responses(identity_errors.NotSignedIn))
async def list_cards(user: CurrentUser, db: DbSession) -> list[CardRead]:
    return [card_read(card) for card in await service.cards_of(db, user)]


@router.post(
    "",
    status_code=201,
    summary="Register a card in my own name",
    description="Needs the payment PIN and an `Idempotency-Key`. The card issuer checks the "
    "number, the expiry (MMYY), your birth date (YYMMDD) and the first two digits of the card "
    "password; EasyPay keeps only the issuer's token, the first 6 and the last 4 digits.",
    responses=error_responses(
        *PIN_CALL_ERRORS,
        errors.InvalidCardNumber,
        errors.InvalidCardDetails,
        errors.CardExpired,
        errors.CardNotYours,
        errors.CardVerificationFailed,
        errors.CardRestricted,
        errors.CardRefused,
        errors.CardAlreadyRegistered,
        errors.CardRegisteredElsewhere,
        errors.TooManyCards,
        errors.IssuerUnavailable,
        RateLimited,
    ),
)
@idempotent
async def register_card(
    body: CardCreate,
    user: CurrentUser,
    idem: Idempotent,
    db: DbSession,
    request: Request,
    issuer: Issuer,
    settings: AppSettings,
) -> CardRead:
    # Malformed details are refused before the PIN is tried (a typo costs no PIN attempt).
    details = service.check_details(
        user,
        body.card_number,
        body.expiry,
        body.birth_date,
        body.password_two_digits,
        body.nickname,
    )
    database = database_of(request)
    await identity.check_pin(database, settings, user.id, body.pin)
    return card_read(await service.register(database, db, issuer, settings, user, details))


@router.get(
    "/{card_id}",
    summary="One of my cards",
    responses=error_responses(identity_errors.NotSignedIn, errors.CardNotFound),
)
async def get_card(card_id: PathId, user: CurrentUser, db: DbSession) -> CardRead:
    return card_read(await service.card_of(db, user, card_id))


@router.delete(
    "/{card_id}",
    status_code=204,
    summary="Remove a card from my wallet",
    responses=error_responses(identity_errors.NotSignedIn, errors.CardNotFound),
)
async def remove_card(card_id: PathId, user: CurrentUser, db: DbSession) -> Response:
    await service.remove(db, user, card_id)
    return Response(status_code=204)
