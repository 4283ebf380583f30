"""Account codes, the named system accounts, and balances as people read them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from easypay.models import DEBITS_MUST_NOT_EXCEED_CREDITS, LedgerAccount

# User-owned accounts.
USER_WALLET = "user_wallet"

# The named system accounts (DESIGN.md §3). Each exists in SYSTEM_SHARDS rows so that no single
# row becomes a lock hot spot; which shard a transfer touches does not matter for the totals.
BANK_CLEARING = "bank_clearing"
CARD_CLEARING = "card_clearing"
MERCHANT_PAYABLES = "merchant_payables"
FEE_REVENUE = "fee_revenue"
PROMOTION_BUDGET = "promotion_budget"
POINTS_LIABILITY = "points_liability"
TRANSFER_ESCROW = "transfer_escrow"
BILLER_PAYABLES = "biller_payables"

SYSTEM_ACCOUNTS: dict[str, int] = {
    BANK_CLEARING: 0,
    CARD_CLEARING: 0,
    MERCHANT_PAYABLES: 0,
    FEE_REVENUE: 0,
    PROMOTION_BUDGET: 0,
    POINTS_LIABILITY: 0,
    TRANSFER_ESCROW: 0,
    BILLER_PAYABLES: 0,
}
SYSTEM_SHARDS = 8
# Each merchant's payable is as many rows too: every payment of a busy shop credits it, and one
# row would make its payments wait for each other's commits (issue 6: 926 ms per payment at 32
# POS clients of one merchant). Its balance is the sum of its shards.
PAYABLE_SHARDS = SYSTEM_SHARDS

# Accounts whose balance is customers' stored value (invariant 5 checks it is covered).
STORED_VALUE_CODES = (USER_WALLET, TRANSFER_ESCROW)

WALLET_FLAGS = DEBITS_MUST_NOT_EXCEED_CREDITS


def random_shard(shards: int = SYSTEM_SHARDS) -> int:
    return random.randrange(shards)


@dataclass(frozen=True, slots=True)
class Balance:
    """A credit-normal balance (a wallet): what is posted, and what may be spent now."""

    posted: int
    available: int
    incoming: int  # pending credits not yet posted

    @classmethod
    def of(cls, account: LedgerAccount) -> Balance:
        posted = account.credits_posted - account.debits_posted
        return cls(
            posted=posted,
            available=posted - account.debits_pending,
            incoming=account.credits_pending,
        )
