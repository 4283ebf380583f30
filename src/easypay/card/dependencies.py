"""The card issuer the app was built with (tests may swap it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from easypay.card.gateway import CardIssuer


def card_issuer_of(request: Request) -> CardIssuer:
    issuer: CardIssuer = request.app.state.card_issuer
    return issuer


Issuer = Annotated[CardIssuer, Depends(card_issuer_of)]
