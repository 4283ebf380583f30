"""Every ORM model, one module per aggregate, re-exported here (Alembic reads `Base.metadata`)."""

from easypay.models.base import Base
from easypay.models.card import Card
from easypay.models.certificate import (
    Certificate,
    CertificateEvent,
    CertificateRevocationList,
    Institution,
    SignRequest,
)
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
from easypay.models.payment_code import PaymentCode
from easypay.models.sandbox_bank import (
    SandboxBankAccount,
    SandboxBankFault,
    SandboxBankTransaction,
    SandboxBankTransferResult,
)
from easypay.models.sandbox_card import (
    SandboxCard,
    SandboxCardAuthorization,
    SandboxCardFault,
)
from easypay.models.security import AuditEvent, RateLimitCounter
from easypay.models.settlement import Settlement, SettlementLine
from easypay.models.subscription import Subscription
from easypay.models.tlog import TlogCheckpoint, TlogHead, TlogLeaf, TlogNode
from easypay.models.transfer import (
    MoneyRequest,
    MoneyRequestItem,
    PersonTransfer,
    TransferDailyTotal,
)
from easypay.models.user import Friend, User, UserSession
from easypay.models.webhook import WebhookAttempt, WebhookEvent

__all__ = [
    "CREDITS_MUST_NOT_EXCEED_DEBITS",
    "DEBITS_MUST_NOT_EXCEED_CREDITS",
    "AuditEvent",
    "BankLink",
    "BankOperation",
    "Base",
    "Card",
    "Certificate",
    "CertificateEvent",
    "CertificateRevocationList",
    "Friend",
    "IdempotencyRecord",
    "Institution",
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
    "PaymentCode",
    "PersonTransfer",
    "RateLimitCounter",
    "SandboxBankAccount",
    "SandboxBankFault",
    "SandboxBankTransaction",
    "SandboxBankTransferResult",
    "SandboxCard",
    "SandboxCardAuthorization",
    "SandboxCardFault",
    "Settlement",
    "SettlementLine",
    "SignRequest",
    "Subscription",
    "TlogCheckpoint",
    "TlogHead",
    "TlogLeaf",
    "TlogNode",
    "TransferDailyTotal",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookEvent",
]
