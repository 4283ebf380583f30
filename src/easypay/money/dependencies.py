"""The bank gateway the app was built with (tests may swap it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from easypay.money.gateway import BankGateway


def bank_of(request: Request) -> BankGateway:
    bank: BankGateway = request.app.state.bank
    return bank


Bank = Annotated[BankGateway, Depends(bank_of)]
