"""Requests and answers of the identity API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

PIN_FIELD = Field(
    description="The 6-digit payment PIN.", examples=["739164"], min_length=1, max_length=64
)


class UserCreate(BaseModel):
    phone: str = Field(
        description="Mobile number; Korean local form accepted.",
        examples=["010-1234-5678"],
        max_length=32,
    )
    name: str = Field(description="Real name, as on the bank account.", examples=["김민준"])
    birth_date: date = Field(description="Date of birth.", examples=["1990-05-17"])
    password: str = Field(
        description="At least 8 characters mixing letters and digits or symbols.",
        examples=["correct-horse-42"],
        max_length=200,
    )


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="User id.", examples=[12])
    phone: str = Field(description="E.164 phone number.", examples=["+821012345678"])
    name: str = Field(description="Real name.", examples=["김민준"])
    birth_date: date = Field(description="Date of birth.", examples=["1990-05-17"])
    pin_set: bool = Field(description="Whether a payment PIN is set.", examples=[True])
    pin_locked: bool = Field(description="Whether value-moving actions are locked.")
    auto_charge_enabled: bool = Field(description="Top up a shortfall from the bank.")
    language: str = Field(description="`ko` or `en`.", examples=["ko"])
    is_operator: bool = Field(description="Operators see the console.")
    created_at: datetime = Field(description="When the account was created.")


class SettingsUpdate(BaseModel):
    auto_charge_enabled: bool | None = Field(
        None, description="Auto-charge a shortfall in 10,000 KRW steps."
    )
    language: str | None = Field(None, description="`ko` or `en`.", pattern="^(ko|en)$")


class SignIn(BaseModel):
    phone: str = Field(description="Mobile number.", examples=["010-1234-5678"], max_length=32)
    password: str = Field(description="Password.", examples=["correct-horse-42"], max_length=200)


class SessionCreated(BaseModel):
    token: str = Field(description="Bearer token; shown once. Send as `Authorization: Bearer`.")
    session_id: int = Field(description="Id of this session, to list or revoke it.")
    expires_at: datetime = Field(description="When the token stops working.")
    user: UserRead


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Session id.")
    kind: str = Field(description="`web` (cookie) or `api` (Bearer).", examples=["api"])
    user_agent: str = Field(description="Browser or client that signed in.")
    ip_address: str = Field(description="Address it signed in from.")
    created_at: datetime = Field(description="Signed in at.")
    last_seen_at: datetime = Field(description="Last used at.")
    expires_at: datetime = Field(description="Expires at.")
    current: bool = Field(False, description="The session making this request.")


class PinSet(BaseModel):
    pin: str = PIN_FIELD


class PinChange(BaseModel):
    old_pin: str = PIN_FIELD
    new_pin: str = PIN_FIELD


class PinReset(BaseModel):
    password: str = Field(description="Account password.", max_length=200)
    new_pin: str = PIN_FIELD


class FriendCreate(BaseModel):
    phone: str = Field(description="The friend's phone number.", examples=["010-2345-6789"])


class FriendRead(BaseModel):
    user_id: int = Field(description="The friend's user id.")
    name: str = Field(description="The friend's name.")
    phone: str = Field(description="The friend's phone number (E.164).")
    added_at: datetime = Field(description="When they were added.")
