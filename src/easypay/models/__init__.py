"""Every ORM model, one module per aggregate, re-exported here (Alembic reads `Base.metadata`)."""

from easypay.models.base import Base
from easypay.models.idempotency import IdempotencyRecord
from easypay.models.ledger import (
    CREDITS_MUST_NOT_EXCEED_DEBITS,
    DEBITS_MUST_NOT_EXCEED_CREDITS,
    LedgerAccount,
    LedgerTransfer,
)
from easypay.models.merchant import Merchant, MerchantCid
from easypay.models.money import BankLink, BankOperation
from easypay.models.notification import Notification
from easypay.models.outbox import OutboxJob
from easypay.models.payment import Payment, PaymentAction
from easypay.models.sandbox_bank import (
    SandboxBankAccount,
    SandboxBankFault,
    SandboxBankTransaction,
    SandboxBankTransferResult,
)
from easypay.models.security import AuditEvent, RateLimitCounter
from easypay.models.transfer import (
    MoneyRequest,
    MoneyRequestItem,
    PersonTransfer,
    TransferDailyTotal,
)
from easypay.models.user import Friend, User, UserSession

__all__ = [
    "CREDITS_MUST_NOT_EXCEED_DEBITS",
    "DEBITS_MUST_NOT_EXCEED_CREDITS",
    "AuditEvent",
    "BankLink",
    "BankOperation",
    "Base",
    "Friend",
    "IdempotencyRecord",
    "LedgerAccount",
    "LedgerTransfer",
    "Merchant",
    "MerchantCid",
    "MoneyRequest",
    "MoneyRequestItem",
    "Notification",
    "OutboxJob",
    "Payment",
    "PaymentAction",
    "PersonTransfer",
    "RateLimitCounter",
    "SandboxBankAccount",
    "SandboxBankFault",
    "SandboxBankTransaction",
    "SandboxBankTransferResult",
    "TransferDailyTotal",
    "User",
    "UserSession",
]
