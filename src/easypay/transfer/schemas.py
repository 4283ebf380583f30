from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictBool, StrictInt, model_validator

from easypay.identity.schemas import PIN_FIELD
from easypay.kit.ids import BodyId

AMOUNT = Field(description="Amount in KRW (whole won).", examples=[10000], ge=1, le=10**12)
# One line of text: no NUL (PostgreSQL cannot store it) or other control characters. Checked
# here, before the auto-charge a send may start, so a bad memo changes nothing.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
MESSAGE = Field(
    "", description="A short message for the recipient.", max_length=40, pattern=ONE_LINE
)
TransferStatus = Literal["sent", "received", "declined", "canceled", "returned"]


class PersonTransferCreate(BaseModel):
    """To a friend (`friend_id`) or to anyone by phone number (`phone`): give exactly one."""

    friend_id: BodyId | None = Field(None, description="A friend's user id.", examples=[2])
    phone: str | None = Field(
        None,
        description="Any phone number; Korean local form accepted.",
        max_length=20,
        examples=["010-1234-5678"],
    )
    amount: StrictInt = AMOUNT
    message: str = MESSAGE
    pin: str = PIN_FIELD

    @model_validator(mode="after")
    def one_recipient(self) -> PersonTransferCreate:
        if (self.friend_id is None) == (self.phone is None):
            raise ValueError("Give either friend_id or phone.")
        return self


class PartyRead(BaseModel):
    id: int | None = Field(description="User id; null for a phone number not on EasyPay yet.")
    name: str = Field(description="Name, or the masked phone number.", examples=["김민준"])


class PersonTransferRead(BaseModel):
    id: int = Field(description="Transfer id.")
    direction: Literal["sent", "received"] = Field(description="From the caller's side.")
    sender: PartyRead
    recipient: PartyRead
    amount: int = Field(description="KRW.", examples=[10000])
    message: str = Field(description="The sender's message.")
    status: TransferStatus = Field(
        description="sent (held, waiting for the recipient), received, declined, canceled, "
        "returned (not received in time)."
    )
    expires_at: datetime = Field(description="Returns to the sender if not received by then.")
    created_at: datetime = Field(description="Sent at.")
    resolved_at: datetime | None = Field(description="When it ended.")
    can_receive: bool = Field(description="The caller may receive or decline it now.")
    can_cancel: bool = Field(description="The caller may cancel it now.")


class BankInquiryCreate(BaseModel):
    bank_code: str = Field(description="3-digit bank code.", examples=["088"], max_length=3)
    account_number: str = Field(
        description="Account number; dashes allowed.", examples=["110-123-456789"], max_length=30
    )


class BankInquiryRead(BaseModel):
    bank_code: str = Field(description="3-digit bank code.", examples=["088"])
    bank_name: str = Field(description="Bank name.", examples=["신한은행"])
    account_number: str = Field(description="Digits only.", examples=["110123456789"])
    holder_name: str = Field(description="Whom the bank says holds it.", examples=["박서연"])


class BankTransferCreate(BankInquiryCreate):
    amount: StrictInt = AMOUNT
    message: str = MESSAGE
    pin: str = PIN_FIELD


class BankTransferRead(BaseModel):
    id: int = Field(description="Operation id.")
    bank_code: str = Field(description="3-digit bank code.")
    bank_name: str = Field(description="Bank name.")
    account_masked: str = Field(description="Account number, masked.")
    holder_name: str = Field(description="The holder the bank named.")
    amount: int = Field(description="KRW.")
    message: str = Field(description="The sender's memo.")
    status: Literal["requested", "completed", "failed", "unknown"] = Field(
        description="completed; failed (the money came back); unknown/requested while the "
        "bank's answer is awaited."
    )
    bank_message: str = Field(description="The bank's words, if any.")
    created_at: datetime = Field(description="Sent at.")


class ShareCreate(BaseModel):
    user_id: BodyId | None = Field(None, description="A user id (a friend).")
    phone: str | None = Field(None, description="Or a phone number.", max_length=20)
    amount: StrictInt | None = Field(
        None,
        description="What to ask of them (a request; a dutch pay split by amounts).",
        ge=1,
        le=10**12,
    )

    @model_validator(mode="after")
    def one_person(self) -> ShareCreate:
        if (self.user_id is None) == (self.phone is None):
            raise ValueError("Give either user_id or phone.")
        return self


class MoneyRequestCreate(BaseModel):
    title: str = Field(
        "", description="What it is for.", max_length=40, examples=["점심값"], pattern=ONE_LINE
    )
    people: list[ShareCreate] = Field(
        description="Whom to ask, each with an amount.", min_length=1, max_length=30
    )
    remind_at: AwareDatetime | None = Field(
        None, description="Remind those who have not paid then (with its UTC offset)."
    )


class DutchPayCreate(BaseModel):
    title: str = Field(
        "", description="What the bill was.", max_length=40, examples=["회식"], pattern=ONE_LINE
    )
    total: StrictInt = Field(description="The whole bill, KRW.", ge=1, le=10**12)
    people: list[ShareCreate] = Field(
        description="The participants other than the organiser. With `split` `amounts`, each "
        "carries their amount.",
        min_length=1,
        max_length=30,
    )
    split: Literal["even", "amounts"] = Field(
        "even",
        description="even: split in whole won; the won left over are paid by the organiser when "
        "they take part, otherwise by the first participants, 1 won each. amounts: as entered, "
        "adding up (with `my_amount`) to the total.",
    )
    include_me: StrictBool = Field(True, description="The organiser takes a share too.")
    my_amount: StrictInt = Field(0, description="The organiser's own part (split amounts).", ge=0)
    remind_at: AwareDatetime | None = Field(
        None, description="Remind those who have not paid then (with its UTC offset)."
    )


class MoneyRequestItemRead(BaseModel):
    payer: PartyRead
    amount: int = Field(description="KRW asked of them.")
    status: Literal["pending", "paid", "declined"] = Field(description="What they did.")
    resolved_at: datetime | None = Field(description="When they paid or declined.")


class MoneyRequestRead(BaseModel):
    id: int = Field(description="Request id.")
    kind: Literal["request", "dutch"] = Field(description="A money request or a dutch pay.")
    title: str = Field(description="What it is for.")
    requester: PartyRead
    total: int = Field(description="Dutch pay: the whole bill. Request: the sum asked.")
    split: str = Field(description="Dutch pay: even or amounts.")
    requester_share: int = Field(description="The organiser's own part (never requested).")
    status: Literal["open", "closed"] = Field(description="Closed requests cannot be paid.")
    paid: int = Field(description="KRW paid so far.")
    outstanding: int = Field(description="KRW still pending.")
    items: list[MoneyRequestItemRead] = Field(description="Who was asked, and what they did.")
    remind_at: datetime | None = Field(description="When the unpaid are reminded.")
    created_at: datetime = Field(description="Created at.")
    my_item_status: Literal["pending", "paid", "declined"] | None = Field(
        description="The caller's own part, if they were asked."
    )


class PinCreate(BaseModel):
    pin: str = PIN_FIELD
