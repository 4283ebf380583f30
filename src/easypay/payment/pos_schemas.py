"""Requests and answers of the POS API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from easypay.models import Payment, PaymentAction
from easypay.payment.service import MAX_AMOUNT

# Letters, digits and . _ : - (it travels in URL paths too).
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:\-]+$"
REQUEST_ID = Field(
    description="The terminal's id for this request (letters, digits, `._:-`), unique per "
    "merchant: a retry with the same id returns the first answer and never charges twice.",
    min_length=1,
    max_length=64,
    pattern=REQUEST_ID_PATTERN,
    examples=["store-12-pos-3-000481"],
)


class PosPaymentCreate(BaseModel):
    code: str = Field(
        description="The buyer's one-time payment code as scanned (20 digits; spaces allowed).",
        min_length=1,
        max_length=40,
        examples=["81234567890123456789"],
    )
    amount: StrictInt = Field(
        description="KRW to charge (whole won).", ge=1, le=MAX_AMOUNT, examples=[4500]
    )
    pos_request_id: str = REQUEST_ID
    item_name: str = Field(
        description="What is sold, as the receipt shows it.",
        min_length=1,
        max_length=100,
        examples=["아메리카노 외 1건"],
    )
    tax_free_amount: StrictInt = Field(
        0, description="The tax-free part of amount (KRW).", ge=0, le=MAX_AMOUNT, examples=[0]
    )


class PosCancelCreate(BaseModel):
    cancel_request_id: str = Field(
        description="The terminal's id for this cancel: a retry with the same id returns the "
        "first answer and never cancels twice; with a different request, 409.",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        examples=["store-12-pos-3-cancel-000017"],
    )
    amount: StrictInt | None = Field(
        None,
        description="KRW to give back; all that remains when left out.",
        ge=1,
        le=MAX_AMOUNT,
        examples=[1500],
    )
    tax_free_amount: StrictInt | None = Field(
        None,
        description="The tax-free part of this cancel; pro rata when left out.",
        ge=0,
        le=MAX_AMOUNT,
        examples=[0],
    )


class PosAmountRead(BaseModel):
    total: int = Field(description="KRW.", examples=[4500])
    tax_free: int = Field(description="Tax-free part (KRW).", examples=[0])
    vat: int = Field(description="VAT part (KRW).", examples=[409])


class PosActionRead(BaseModel):
    aid: str = Field(description="The action's id.", examples=["A1234567890123456789"])
    kind: Literal["PAYMENT", "CANCEL"] = Field(description="An approval or a cancel.")
    amount: int = Field(description="KRW.", examples=[4500])
    created_at: datetime = Field(description="When it happened (UTC).")


def action_of(action: PaymentAction) -> dict[str, object]:
    return {
        "aid": action.aid,
        "kind": action.kind,
        "amount": action.amount,
        "created_at": action.created_at,
    }


class PosPaymentRead(BaseModel):
    tid: str = Field(description="EasyPay's payment id.", examples=["T1234567890123456789"])
    cid: str = Field(description="The merchant CID it was taken under.", examples=["TC0ONETIME"])
    pos_request_id: str = Field(description="The terminal's request id.")
    status: Literal["SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT", "CANCEL_PAYMENT"] = Field(
        description="Paid, partly canceled, or fully canceled."
    )
    payment_method_type: Literal["MONEY", "CARD"] = Field(description="How the buyer paid.")
    item_name: str = Field(description="What was sold.")
    amount: PosAmountRead = Field(description="What was paid.")
    canceled_amount: PosAmountRead = Field(description="What was given back so far.")
    cancel_available_amount: int = Field(description="KRW that can still be canceled.")
    approved_at: datetime = Field(description="When it was paid (UTC).")
    canceled_at: datetime | None = Field(description="The last cancel (UTC), if any.")
    actions: list[PosActionRead] = Field(description="The approval and every cancel, in order.")

    @classmethod
    def of(cls, payment: Payment, actions: list[PaymentAction]) -> PosPaymentRead:
        assert payment.approved_at is not None
        assert payment.pos_request_id is not None
        return cls.model_validate(
            {
                "tid": payment.tid,
                "cid": payment.cid,
                "pos_request_id": payment.pos_request_id,
                "status": payment.status,
                "payment_method_type": payment.payment_method_type,
                "item_name": payment.item_name,
                "amount": {
                    "total": payment.total_amount,
                    "tax_free": payment.tax_free_amount,
                    "vat": payment.vat_amount,
                },
                "canceled_amount": {
                    "total": payment.canceled_amount,
                    "tax_free": payment.canceled_tax_free_amount,
                    "vat": payment.canceled_vat_amount,
                },
                "cancel_available_amount": payment.total_amount - payment.canceled_amount,
                "approved_at": payment.approved_at,
                "canceled_at": payment.canceled_at,
                "actions": [action_of(a) for a in actions if a.kind in ("PAYMENT", "CANCEL")],
            }
        )


class PosCancelRead(PosPaymentRead):
    cancel: PosActionRead = Field(description="This cancel.")
