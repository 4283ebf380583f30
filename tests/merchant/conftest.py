"""Fixtures of the merchant tests: the bank gateway the app talks to (the sandbox bank, over
real HTTP on the live server)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from easypay.money.gateway import BankGateway


@pytest.fixture
def bank(app: FastAPI) -> BankGateway:
    gateway: BankGateway = app.state.bank
    return gateway
