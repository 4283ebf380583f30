from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class UserSummary(BaseModel):
    id: int = Field(description="User id.")
    name: str = Field(description="Name.")
    phone: str = Field(description="E.164 phone.")
    status: str = Field(description="active or suspended.")
    pin_locked: bool = Field(description="Value-moving actions locked by wrong PINs.")
    is_operator: bool = Field(description="Operator.")
    balance: int = Field(description="Pay Money balance, KRW.")
    created_at: datetime = Field(description="Signed up at.")


class UsersPage(BaseModel):
    items: list[UserSummary]
    total: int = Field(description="Users matching the search.")


class CheckRead(BaseModel):
    name: str = Field(description="The invariant.")
    ok: bool = Field(description="Whether it holds.")
    summary: str = Field(description="What was checked.")
    problems: list[str] = Field(description="Violations (first few).")


class LedgerHealth(BaseModel):
    ok: bool = Field(description="All invariants hold.")
    accounts: int = Field(description="Ledger accounts.")
    transfers: int = Field(description="Ledger transfers.")
    checks: list[CheckRead]


class EventRead(BaseModel):
    id: int
    user_id: int | None
    kind: str = Field(description="What happened.", examples=["money.charge_completed"])
    detail: str
    created_at: datetime
