"""Requests and answers of the cards API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from easypay.identity.schemas import PIN_FIELD


class CardCreate(BaseModel):
    card_number: str = Field(
        description="Card number; spaces and hyphens are allowed.",
        examples=["9490-1200-0000-0012"],
        min_length=1,
        max_length=30,
    )
    expiry: str = Field(description="Expiry as printed, MMYY.", examples=["1231"], max_length=8)
    birth_date: str = Field(
        description="Your date of birth, YYMMDD (the card must be in your name).",
        examples=["900517"],
        max_length=8,
    )
    password_two_digits: str = Field(
        description="The first two digits of the card password.", examples=["12"], max_length=4
    )
    # No control characters (NUL cannot be stored): checked before the issuer is asked.
    nickname: str = Field(
        "",
        description="A name for the card in your wallet.",
        max_length=40,
        pattern=r"^[^\x00-\x1f\x7f]*$",
    )
    pin: str = PIN_FIELD


class CardRead(BaseModel):
    id: int = Field(description="Card id.")
    corp_code: str = Field(description="Issuer code.", examples=["SBX"])
    corp_name: str = Field(description="Issuer name.", examples=["샌드박스카드"])
    bin: str = Field(description="First 6 digits.", examples=["949012"])
    last4: str = Field(description="Last 4 digits.", examples=["0012"])
    masked_number: str = Field(description="Number as shown.", examples=["9490-12**-****-0012"])
    card_type: str = Field(description="신용 (credit) or 체크 (check).", examples=["신용"])
    nickname: str = Field(description="Your name for the card.", examples=["생활비 카드"])
    created_at: datetime = Field(description="Registered at.")
