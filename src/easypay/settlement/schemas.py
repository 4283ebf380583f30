"""Answers of the merchant settlement API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

SettlementStatus = Literal["open", "paying", "paid", "failed", "nothing"]


class SettlementRead(BaseModel):
    id: int = Field(description="Statement id.", examples=[12])
    business_date: str = Field(
        description="The business day (Korea time) it settles, YYYY-MM-DD.", examples=["2026-11-26"]
    )
    status: SettlementStatus = Field(
        description="open (to be paid; see `reason`), paying (sent, waiting for the bank's "
        "answer), paid, failed (the bank refused; retried by the next run), nothing (net 0)."
    )
    gross_amount: int = Field(description="Payments, KRW.", examples=[100000])
    cancel_amount: int = Field(description="Cancels, KRW.", examples=[10000])
    fee_amount: int = Field(
        description="Fees net of the fees cancels gave back, KRW.", examples=[2250]
    )
    net_amount: int = Field(
        description="What is paid: gross - cancels - fees, KRW.", examples=[87750]
    )
    currency: str = Field("KRW", description="ISO 4217 currency.")
    line_count: int = Field(description="How many payment actions it settles.", examples=[3])
    bank_code: str = Field(description="Where it was paid: bank code ('' before a payout).")
    account_masked: str = Field(description="The account it was paid to, masked.")
    holder_name: str = Field(description="The account holder.")
    bank_tran_id: str | None = Field(description="The last payout attempt's bank transaction id.")
    attempts: int = Field(description="Payout attempts so far.", examples=[1])
    bank_result_code: str = Field(description="The bank's answer code of the last attempt.")
    bank_message: str = Field(description="The bank's message of the last attempt.")
    reason: str | None = Field(
        description="Why it is not paid yet (no settlement account, the bank refused, ...)."
    )
    created_at: datetime = Field(description="When the statement was written.")
    paid_at: datetime | None = Field(description="When the bank confirmed the payout.")


class SettlementLineRead(BaseModel):
    aid: str = Field(description="The payment action (approval or cancel).", examples=["A1234"])
    tid: str = Field(description="The payment.", examples=["T1234567890"])
    kind: Literal["PAYMENT", "CANCEL"] = Field(description="An approval or a cancel.")
    amount: int = Field(description="Signed: a cancel is negative, KRW.", examples=[10000])
    fee: int = Field(description="Signed: a cancel gives its fee back, KRW.", examples=[250])
    net: int = Field(description="amount - fee, KRW.", examples=[9750])
    at: datetime = Field(description="When the action happened.")


class SettlementDetailRead(SettlementRead):
    lines: list[SettlementLineRead] = Field(description="The line items, oldest first.")
