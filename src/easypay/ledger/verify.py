"""`easypay ledger verify`: the invariants of specs/ledger.md, recomputed from the transfers.

1. Per unit, debits equal credits (posted and pending separately).
2. Every account's running sums equal the sums recomputed from its transfers.
3. No flagged account is overdrawn, pending debits counted.
4. Every hold is resolved at most once, by a resolution that matches it, and none stays
   unresolved long past its expiry.
5. Customers' stored value (wallets and escrow) is covered by what came in from the bank, plus
   what others owe EasyPay: card issuers for card payments not yet settled to EasyPay (card
   clearing's debit balance), and merchants for refunds fronted after their payout (a merchant
   payable below zero). Nothing else may fund a wallet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from easypay.kit.clock import clock
from easypay.ledger.accounts import (
    BANK_CLEARING,
    CARD_CLEARING,
    MERCHANT_PAYABLES,
    STORED_VALUE_CODES,
)
from easypay.models import (
    CREDITS_MUST_NOT_EXCEED_DEBITS,
    DEBITS_MUST_NOT_EXCEED_CREDITS,
    LedgerAccount,
    LedgerTransfer,
)

# Accounts whose debit balance is money owed to EasyPay (an asset that covers stored value).
RECEIVABLE_CODES = (CARD_CLEARING, MERCHANT_PAYABLES)

# A hold still open this long after its expiry means the expiry job is not running.
EXPIRY_GRACE = timedelta(hours=1)
MAX_LISTED = 10


@dataclass
class Check:
    name: str
    ok: bool = True
    summary: str = ""
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)


@dataclass
class Report:
    checks: list[Check]
    accounts: int
    transfers: int

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def failures(self) -> list[str]:
        return [f"{c.name}: {p}" for c in self.checks if not c.ok for p in c.problems]


async def verify(session: AsyncSession) -> Report:
    accounts = list((await session.execute(select(LedgerAccount))).scalars())
    transfer_count = (await session.execute(select(func.count(LedgerTransfer.id)))).scalar_one()
    recomputed = await _recompute_sums(session)
    checks = [
        _units_balance(accounts),
        _sums_match_transfers(accounts, recomputed),
        _flags_hold(accounts),
        await _holds_resolved_once(session),
        _stored_value_covered(accounts),
    ]
    return Report(checks=checks, accounts=len(accounts), transfers=transfer_count)


def _units_balance(accounts: list[LedgerAccount]) -> Check:
    check = Check("1. debits = credits per unit")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for a in accounts:
        t = totals[a.unit]
        t[0] += a.debits_posted
        t[1] += a.credits_posted
        t[2] += a.debits_pending
        t[3] += a.credits_pending
    for unit, (debits, credits, debits_pending, credits_pending) in sorted(totals.items()):
        if debits != credits:
            check.fail(f"{unit} posted debits {debits:,} != credits {credits:,}")
        if debits_pending != credits_pending:
            check.fail(f"{unit} pending debits {debits_pending:,} != credits {credits_pending:,}")
    check.summary = ", ".join(f"{u}: {t[0]:,} posted, {t[2]:,} held" for u, t in totals.items())
    return check


async def _recompute_sums(session: AsyncSession) -> dict[int, list[int]]:
    """account id → [debits_pending, debits_posted, credits_pending, credits_posted]."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    t = LedgerTransfer
    posted = (
        select(t.debit_account_id, t.credit_account_id, func.sum(t.amount))
        .where(t.kind.in_(("single", "post")))
        .group_by(t.debit_account_id, t.credit_account_id)
    )
    for debit_id, credit_id, amount in await session.execute(posted):
        sums[debit_id][1] += amount
        sums[credit_id][3] += amount
    held = (
        select(t.debit_account_id, t.credit_account_id, func.sum(t.amount))
        .where(t.kind == "pending")
        .group_by(t.debit_account_id, t.credit_account_id)
    )
    for debit_id, credit_id, amount in await session.execute(held):
        sums[debit_id][0] += amount
        sums[credit_id][2] += amount
    pending = aliased(LedgerTransfer)
    released = (
        select(pending.debit_account_id, pending.credit_account_id, func.sum(pending.amount))
        .join(t, t.pending_id == pending.id)
        .group_by(pending.debit_account_id, pending.credit_account_id)
    )
    for debit_id, credit_id, amount in await session.execute(released):
        sums[debit_id][0] -= amount
        sums[credit_id][2] -= amount
    return sums


def _sums_match_transfers(accounts: list[LedgerAccount], recomputed: dict[int, list[int]]) -> Check:
    check = Check("2. running sums = sums of transfers")
    names = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
    known = {a.id for a in accounts}
    for a in accounts:
        expected = recomputed.get(a.id, [0, 0, 0, 0])
        for name, want in zip(names, expected, strict=True):
            have = getattr(a, name)
            if have != want:
                check.fail(f"account {a.id} ({a.code}) {name} is {have:,}, transfers say {want:,}")
    for account_id in set(recomputed) - known:
        check.fail(f"transfers name account {account_id}, which does not exist")
    check.summary = f"{len(accounts):,} accounts recomputed"
    return check


def _flags_hold(accounts: list[LedgerAccount]) -> Check:
    check = Check("3. no flagged account overdrawn")
    flagged = 0
    for a in accounts:
        if a.flags & DEBITS_MUST_NOT_EXCEED_CREDITS:
            flagged += 1
            if a.debits_pending + a.debits_posted > a.credits_posted:
                check.fail(f"account {a.id} ({a.code}, owner {a.owner_id}) is overdrawn")
        if a.flags & CREDITS_MUST_NOT_EXCEED_DEBITS:
            flagged += 1
            if a.credits_pending + a.credits_posted > a.debits_posted:
                check.fail(f"account {a.id} ({a.code}) has more credits than debits")
    check.summary = f"{flagged:,} flagged accounts"
    return check


async def _holds_resolved_once(session: AsyncSession) -> Check:
    check = Check("4. holds resolved at most once")
    t = LedgerTransfer
    pending = aliased(LedgerTransfer)
    twice = select(t.pending_id).where(t.pending_id.is_not(None)).group_by(t.pending_id)
    for (pending_id,) in await session.execute(twice.having(func.count() > 1)):
        check.fail(f"hold {pending_id} resolved more than once")
    mismatched = (
        select(t.id, t.pending_id)
        .join(pending, t.pending_id == pending.id)
        .where(
            (pending.kind != "pending")
            | (t.amount > pending.amount)
            | (t.debit_account_id != pending.debit_account_id)
            | (t.credit_account_id != pending.credit_account_id)
        )
    )
    for transfer_id, pending_id in await session.execute(mismatched):
        check.fail(f"transfer {transfer_id} does not match the hold {pending_id} it resolves")
    resolution = aliased(LedgerTransfer)
    overdue = select(t.id).where(
        t.kind == "pending",
        t.expires_at.is_not(None),
        t.expires_at < clock.now() - EXPIRY_GRACE,
        ~select(resolution.id).where(resolution.pending_id == t.id).exists(),
    )
    for (pending_id,) in await session.execute(overdue):
        check.fail(f"hold {pending_id} is more than {EXPIRY_GRACE} past its expiry")
    open_holds = select(func.count(t.id)).where(
        t.kind == "pending", ~select(resolution.id).where(resolution.pending_id == t.id).exists()
    )
    check.summary = f"{(await session.execute(open_holds)).scalar_one():,} holds open"
    return check


def _stored_value_covered(accounts: list[LedgerAccount]) -> Check:
    check = Check("5. stored value covered by the bank")
    stored = sum(
        a.credits_posted - a.debits_posted
        for a in accounts
        if a.code in STORED_VALUE_CODES and a.unit == "KRW"
    )
    from_bank = sum(
        a.debits_posted - a.credits_posted
        for a in accounts
        if a.code == BANK_CLEARING and a.unit == "KRW"
    )
    # Per owner, not per row: a merchant's payable is sharded, and one shard below zero while
    # the others are above is not money the merchant owes.
    receivables: dict[tuple[str, int], int] = {}
    for a in accounts:
        if a.code in RECEIVABLE_CODES and a.unit == "KRW":
            key = (a.code, a.owner_id)
            receivables[key] = receivables.get(key, 0) + a.debits_posted - a.credits_posted
    owed = sum(max(0, balance) for balance in receivables.values())
    if stored > from_bank + owed:
        check.fail(
            f"stored value {stored:,} KRW exceeds money received from banks {from_bank:,} "
            f"plus receivables {owed:,}"
        )
    check.summary = (
        f"stored value {stored:,} KRW, received from banks {from_bank:,} KRW, "
        f"owed by card issuers and merchants {owed:,} KRW"
    )
    return check
