"""Demo cards: the published sandbox test cards (the demo people's among them), and 김민준's
card registered in his wallet through the real service and the sandbox issuer's HTTP API
(in-process, since the server may not be up yet). Loading twice changes nothing."""

from __future__ import annotations

import httpx

from easypay.card import repository
from easypay.card import service as cards
from easypay.card.issuer_client import HttpCardIssuer
from easypay.config import Settings
from easypay.db import Database
from easypay.identity import repository as identity_repository
from easypay.identity import service as identity
from easypay.sandbox.card import service as sandbox_card
from easypay.sandbox.card.app import create_card_app

MINJUN_PHONE = "010-1234-5678"  # easypay.demo.PEOPLE[0]
MINJUN_CARD = "9490121000000010"  # published in easypay.sandbox.card.service
DEMO_CARD_EXPIRY = "1231"
DEMO_CARD_PASSWORD_TWO = "12"  # noqa: S105 - published in the sandbox's docstring
DEMO_CARD_NICKNAME = "민준 생활비 카드"


async def load_demo_cards(database: Database, settings: Settings) -> bool:
    """Seed the sandbox test cards and register 김민준's; True when his card was registered now.
    Call it after the demo people exist."""
    async with database.transaction() as session:
        await sandbox_card.ensure_published_cards(session)
        user = await identity_repository.user_by_phone(session, identity.parse_phone(MINJUN_PHONE))
        if user is None:
            return False
        if any(card.last4 == MINJUN_CARD[-4:] for card in await repository.cards_of(session, user)):
            return False
    issuer = HttpCardIssuer(
        "http://sandbox-card.invalid",
        settings.card_issuer_api_token,
        settings.card_issuer_timeout_seconds,
        transport=httpx.ASGITransport(app=create_card_app(database, settings)),
    )
    try:
        details = cards.check_details(
            user,
            MINJUN_CARD,
            DEMO_CARD_EXPIRY,
            user.birth_date.strftime("%y%m%d"),
            DEMO_CARD_PASSWORD_TWO,
            DEMO_CARD_NICKNAME,
        )
        async with database.transaction() as session:
            await cards.register(database, session, issuer, settings, user, details)
    finally:
        await issuer.aclose()
    return True
