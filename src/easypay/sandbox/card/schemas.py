"""Requests and answers of the sandbox card issuer. Amounts are whole won as JSON integers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

REQUEST_ID_PATTERN = r"^[A-Za-z0-9:._-]{1,64}$"
NUMBER_PATTERN = r"^\d{12,19}$"
EXPIRY_PATTERN = r"^(0[1-9]|1[0-2])\d{2}$"
MAX_AMOUNT = 10**12

Operation = Literal["register", "authorize", "capture", "cancel", "any"]
FaultMode = Literal["decline", "timeout", "fail_after_success"]
CardType = Literal["신용", "체크"]
CardStatus = Literal["active", "suspended", "lost"]
# authorized | captured | canceled | declined (an authorisation as it stands now)
AuthorizationState = Literal["authorized", "captured", "canceled", "declined"]

REQUEST_ID_FIELD = Field(
    description="The caller's id for this call: a repeat gets the first answer and changes "
    "nothing.",
    examples=["T1a2b3c4d5e6:authorize"],
    pattern=REQUEST_ID_PATTERN,
)
AMOUNT_FIELD = Field(description="Amount, KRW.", examples=[15000], ge=1, le=MAX_AMOUNT)


class ResultFields(BaseModel):
    result_code: str = Field(
        description="`00` approved; otherwise the decline code (05, 12, 13, 14, 51, 54, 55, 57, "
        "62).",
        examples=["00"],
    )
    result_message: str = Field(description="The result in words.", examples=["정상승인"])


# --- registration ------------------------------------------------------------------------------


class RegistrationCreate(BaseModel):
    card_number: str = Field(
        description="Card number, digits only.",
        examples=["9490120000000012"],
        pattern=NUMBER_PATTERN,
    )
    expiry: str = Field(description="Expiry, MMYY.", examples=["1231"], pattern=EXPIRY_PATTERN)
    birth_date: str = Field(
        description="The holder's date of birth, YYMMDD.", examples=["900517"], pattern=r"^\d{6}$"
    )
    password_two_digits: str = Field(
        description="First two digits of the card password.", examples=["12"], pattern=r"^\d{2}$"
    )


class RegistrationRead(ResultFields):
    token: str = Field("", description="The card's token (empty when declined).")
    corp_code: str = Field("", description="Issuer code.", examples=["SBX"])
    corp_name: str = Field("", description="Issuer name.", examples=["샌드박스카드"])
    bin: str = Field("", description="First 6 digits.", examples=["949012"])
    last4: str = Field("", description="Last 4 digits.", examples=["0012"])
    card_type: str = Field("", description="신용 or 체크.", examples=["신용"])


# --- authorisations ----------------------------------------------------------------------------


class AuthorizationCreate(BaseModel):
    request_id: str = REQUEST_ID_FIELD
    token: str = Field(description="The card's token.", min_length=1, max_length=64)
    amount: StrictInt = AMOUNT_FIELD
    merchant_name: str = Field("", description="Shown on the statement.", max_length=100)
    install_month: StrictInt = Field(
        0, description="Instalment months, 0 (lump sum) to 12.", ge=0, le=12
    )


class AuthorizationRead(ResultFields):
    request_id: str = Field(description="As sent.")
    approval_id: str = Field(
        description="8-digit approval number (empty when declined).", examples=["40218337"]
    )
    amount: int = Field(description="Authorised amount, KRW.", examples=[15000])
    install_month: int = Field(description="Instalment months (0 = lump sum).", examples=[0])
    interest_free: bool = Field(description="무이자 할부.", examples=[False])
    state: AuthorizationState = Field(description="Where the authorisation stands now.")
    captured_amount: int = Field(0, description="Captured so far, KRW.")
    canceled_amount: int = Field(0, description="Cancelled so far, KRW.")
    approved_at: datetime | None = Field(None, description="When it was approved.")


class AuthorizationQuery(BaseModel):
    request_id: str = REQUEST_ID_FIELD


class OperationCreate(BaseModel):
    """A capture or a cancel of (part of) an authorisation."""

    request_id: str = REQUEST_ID_FIELD
    amount: StrictInt = AMOUNT_FIELD


class OperationRead(ResultFields):
    request_id: str = Field(description="As sent.")
    approval_id: str = Field(description="The authorisation concerned.", examples=["40218337"])
    amount: int = Field(description="This capture's or cancel's amount, KRW.", examples=[5000])
    authorized_amount: int = Field(0, description="The authorisation's amount, KRW.")
    captured_amount: int = Field(0, description="Captured so far, KRW.")
    canceled_amount: int = Field(0, description="Cancelled so far, KRW.")
    state: str = Field("", description="The authorisation's state after this call.")


# --- administration ----------------------------------------------------------------------------


class CardCreate(BaseModel):
    number: str = Field(description="Card number (Luhn-valid).", pattern=NUMBER_PATTERN)
    expiry: str = Field(description="MMYY.", examples=["1231"], pattern=EXPIRY_PATTERN)
    holder_name: str = Field(description="Holder's name.", min_length=1, max_length=50)
    card_type: CardType = Field("신용", description="신용 or 체크.")
    credit_limit: StrictInt = Field(
        description="Limit (a check card's balance), KRW.", ge=0, le=MAX_AMOUNT
    )
    status: CardStatus = Field("active", description="active, suspended (05), lost (62).")


class CardUpdate(BaseModel):
    status: CardStatus | None = Field(None, description="New status.")
    credit_limit: StrictInt | None = Field(None, description="New limit, KRW.", ge=0, le=MAX_AMOUNT)


class CardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str = Field(description="Card number.")
    expiry: str = Field(description="MMYY.")
    holder_name: str = Field(description="Holder's name.")
    corp_code: str = Field(description="Issuer code.")
    corp_name: str = Field(description="Issuer name.")
    card_type: str = Field(description="신용 or 체크.")
    credit_limit: int = Field(description="Limit, KRW.")
    used: int = Field(description="Held or spent against the limit, KRW.")
    token: str | None = Field(description="Token, once registered.")
    status: str = Field(description="active, suspended or lost.")


class FaultCreate(BaseModel):
    operation: Operation = Field(description="Which calls misbehave.")
    mode: FaultMode = Field(
        description="`decline` with `decline_code`; `timeout`: answer after `delay_seconds` "
        "(the work is done late); `fail_after_success`: do the work, answer HTTP 500."
    )
    card_number: str = Field("*", description="Only calls on this card (`*` any).", max_length=19)
    decline_code: str = Field("05", description="Code a decline answers.", pattern=r"^\d{2}$")
    count: StrictInt = Field(1, description="How many calls misbehave.", ge=1, le=1000)
    delay_seconds: float = Field(0.0, description="For `timeout`.", ge=0, le=120)


class FaultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Fault id.")
    operation: str = Field(description="Which calls misbehave.")
    card_number: str = Field(description="Card, or `*`.")
    mode: str = Field(description="What they do.")
    decline_code: str = Field(description="Code a decline answers.")
    remaining: int = Field(description="Uses left.")
    delay_seconds: float = Field(description="For `timeout`.")


class FaultsCleared(BaseModel):
    deleted: int = Field(description="How many faults were removed.")
