"""Pay Money's links to bank accounts, and every call made to the bank (recorded before it is
made, so a crash or timeout can be reconciled)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from easypay.models.base import Amount, Base, BigId, Id, Timestamp, UtcDateTime


class BankLink(Base):
    __tablename__ = "bank_links"
    __table_args__ = (
        Index(
            "uq_bank_links_active_account",
            "user_id",
            "bank_code",
            "account_number",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    bank_code: Mapped[str] = mapped_column(String(3))
    account_number: Mapped[str] = mapped_column(String(20))
    holder_name: Mapped[str] = mapped_column(String(50))
    consent_version: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | unlinked
    created_at: Mapped[Timestamp]
    unlinked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class BankOperation(Base):
    """One charge (bank → wallet), withdrawal (wallet → own linked account) or transfer
    (wallet → anyone's account: no link, the destination is on the row).

    requested → completed | failed; `unknown` when the bank did not answer clearly, until the
    worker asks the bank what happened.
    """

    __tablename__ = "bank_operations"
    __table_args__ = (Index("ix_bank_operations_unsettled", "status", "created_at"),)

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    bank_link_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("bank_links.id"))
    kind: Mapped[str] = mapped_column(String(16))  # charge | withdrawal | transfer
    # A transfer's destination (a charge or withdrawal uses its link's account).
    bank_code: Mapped[str | None] = mapped_column(String(3))
    account_number: Mapped[str | None] = mapped_column(String(20))
    holder_name: Mapped[str | None] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[str] = mapped_column(String(16), default="manual")  # manual | auto_charge
    amount: Mapped[Amount]
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    bank_tran_id: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    pending_transfer_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transfers.id"))
    bank_result_code: Mapped[str] = mapped_column(String(16), default="")
    bank_message: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
