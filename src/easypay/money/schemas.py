"""Requests and answers of the Pay Money API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from easypay.identity.schemas import PIN_FIELD
from easypay.kit.ids import BodyId

AMOUNT_FIELD = Field(description="Amount in KRW (whole won).", examples=[50000])


class BalanceRead(BaseModel):
    balance: int = Field(description="Posted Pay Money balance, KRW.", examples=[120000])
    available: int = Field(description="What can be spent now (holds subtracted).")
    incoming: int = Field(description="Charges the bank has not confirmed yet.")
    holding_cap: int = Field(description="The most a user may hold.", examples=[2000000])
    currency: str = Field("KRW", description="ISO 4217 currency.")


class BankLinkCreate(BaseModel):
    bank_code: str = Field(description="3-digit bank code.", examples=["088"])
    account_number: str = Field(
        description="Account number, digits (hyphens allowed).", examples=["110-123-456789"]
    )
    consent: bool = Field(
        description="The user agrees to the account-link and withdrawal terms.", examples=[True]
    )


class BankLinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Link id.")
    bank_code: str = Field(description="3-digit bank code.", examples=["088"])
    bank_name: str = Field(description="Bank name.", examples=["신한은행"])
    account_masked: str = Field(description="Account number, masked.", examples=["110-***-**6789"])
    holder_name: str = Field(description="Holder name the bank confirmed.", examples=["김민준"])
    consented_at: datetime = Field(description="When the user agreed to the terms.")
    created_at: datetime = Field(description="Linked at.")


class ChargeCreate(BaseModel):
    bank_link_id: BodyId = Field(description="Linked account to take the money from.")
    amount: StrictInt = AMOUNT_FIELD
    pin: str = PIN_FIELD


class WithdrawalCreate(BaseModel):
    bank_link_id: BodyId = Field(description="Linked account to send the money to.")
    amount: StrictInt = AMOUNT_FIELD
    pin: str = PIN_FIELD


class BankOperationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Operation id.")
    kind: Literal["charge", "withdrawal"] = Field(description="Which way the money went.")
    amount: int = AMOUNT_FIELD
    status: Literal["requested", "completed", "failed", "unknown"] = Field(
        description="`completed`; `failed` (nothing moved); `unknown`/`requested` while the "
        "bank's answer is awaited (the worker settles it)."
    )
    bank_link_id: int = Field(description="The linked account.")
    bank_message: str = Field(description="The bank's words, if any.")
    created_at: datetime = Field(description="Requested at.")


class ActivityRead(BaseModel):
    id: int = Field(description="Ledger transfer id (also the cursor).")
    code: str = Field(description="What it was: charge, withdrawal, ...", examples=["charge"])
    direction: Literal["in", "out"] = Field(description="Into or out of the wallet.")
    amount: int = Field(description="KRW that moved (or is held).", examples=[50000])
    status: Literal["completed", "processing", "canceled"] = Field(description="Where it stands.")
    reference: str = Field(description="The business object it belongs to.")
    created_at: datetime = Field(description="When.")


class SettingsRead(BaseModel):
    auto_charge_enabled: bool
