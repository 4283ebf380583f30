"""Request and response models of the operator's merchant API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from easypay.merchant import service
from easypay.models import Merchant


class MerchantCreate(BaseModel):
    name: str = Field(
        min_length=1, max_length=100, description="Merchant name.", examples=["초코상점"]
    )
    cids: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="CIDs to assign (10 letters or digits); one is generated when empty.",
        examples=[["TC0ONETIME"]],
    )
    fee_bp: int = Field(
        service.DEFAULT_FEE_BP, ge=0, le=10_000, description="Fee in basis points.", examples=[250]
    )
    owner_phone: str | None = Field(
        None,
        max_length=20,
        description="Phone of the EasyPay user who runs the merchant's dashboard (optional).",
        examples=["010-1234-5678"],
    )


class MerchantApprove(BaseModel):
    fee_bp: int | None = Field(
        None,
        ge=0,
        le=10_000,
        description="Fee in basis points (unchanged when absent).",
        examples=[250],
    )


class MerchantRead(BaseModel):
    id: int = Field(description="Merchant id.", examples=[1])
    name: str = Field(description="Merchant name.", examples=["초코상점"])
    status: str = Field(description="pending, active, suspended or rejected.", examples=["active"])
    fee_bp: int = Field(description="Fee in basis points.", examples=[250])
    owner_id: int | None = Field(description="The user who runs the dashboard.", examples=[7])
    business_number: str = Field(
        description="Business registration number (10 digits; empty if none).",
        examples=["2208162517"],
    )
    cids: list[str] = Field(description="The merchant's CIDs.", examples=[["TC0ONETIME"]])
    keys_issued: bool = Field(description="Whether API keys have been issued.", examples=[True])
    settlement_bank_code: str = Field(description="Settlement bank code.", examples=["088"])
    settlement_account_number: str = Field(
        description="Settlement account number.", examples=["110123456789"]
    )
    settlement_holder_name: str = Field(
        description="Holder of the settlement account, as the bank named it.", examples=["초코상점"]
    )
    approved_at: datetime | None = Field(description="Approved at (UTC).")
    created_at: datetime = Field(description="Created or applied at (UTC).")

    @classmethod
    def of(cls, merchant: Merchant, cids: list[str]) -> MerchantRead:
        return cls(
            id=merchant.id,
            name=merchant.name,
            status=merchant.status,
            fee_bp=merchant.fee_bp,
            owner_id=merchant.owner_id,
            business_number=merchant.business_number,
            cids=cids,
            keys_issued=service.keys_issued(merchant),
            settlement_bank_code=merchant.settlement_bank_code,
            settlement_account_number=merchant.settlement_account_number,
            settlement_holder_name=merchant.settlement_holder_name,
            approved_at=merchant.approved_at,
            created_at=merchant.created_at,
        )


class MerchantCreated(MerchantRead):
    admin_key: str = Field(
        description="Admin key (legacy `KakaoAK` API). Shown only now.",
        examples=["d3m0adm1nkey0000000000000000demo"],
    )
    secret_key: str = Field(
        description="Secret key (current `SECRET_KEY` API). Shown only now.",
        examples=["DEV0123456789ABCDEF0123456789ABCDEF01234567"],
    )


class MerchantsPage(BaseModel):
    items: list[MerchantRead]
    total: int = Field(description="Merchants matching the filter.", examples=[3])
