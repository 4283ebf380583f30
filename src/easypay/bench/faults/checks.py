"""The checks after a fault run: the clients' book against the database (see harness), the
worker given time to finish, `easypay ledger verify`, and the printed summary."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from easypay.bench.faults.harness import (
    START_FUNDS,
    Book,
    Shop,
    Stats,
    User,
    ledger_verify,
    server_errors,
)
from easypay.db import Database

# --- the checks ----------------------------------------------------------------------------------


@dataclass
class Verdict:
    figures: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.violations.append(problem)

    @property
    def ok(self) -> bool:
        return not self.violations


async def _rows(database: Database, sql: str, **params: Any) -> list[Any]:
    async with database.transaction() as session:
        return list((await session.execute(text(sql), params)).all())


async def settle_everything(database: Database, timeout: float = 120.0) -> list[Any]:
    """Wait for the worker to finish every bank operation; returns those still open."""
    deadline = time.monotonic() + timeout
    while True:
        open_ops = await _rows(
            database,
            "SELECT id, kind, status FROM bank_operations "
            "WHERE status NOT IN ('completed', 'failed')",
        )
        if not open_ops or time.monotonic() > deadline:
            return open_ops
        await asyncio.sleep(1)


async def settle_jobs(database: Database, timeout: float = 120.0) -> list[Any]:
    """Wait for the worker to run every due outbox job; returns those not done."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = await _rows(
            database,
            "SELECT id, kind, state, last_error FROM outbox_jobs WHERE state <> 'done' "
            "AND kind NOT LIKE 'webhook%'",
        )
        if not jobs or time.monotonic() > deadline:
            return jobs
        # What an operator's "retry now" does: run jobs waiting out their backoff at once.
        async with database.transaction() as session:
            await session.execute(
                text(
                    "UPDATE outbox_jobs SET run_at = :now WHERE state = 'pending' AND run_at > :now"
                ),
                {"now": datetime.now(UTC)},
            )
        await asyncio.sleep(1)


PENDING_WITH_HOLD = ("SELECT_METHOD", "AUTH_PASSWORD")


async def settle_payments(database: Database, timeout: float = 150.0) -> None:
    """Wait for the worker to expire every online payment left waiting for its approval (a
    checkout whose redirect was lost): the runs' server lets one wait a minute."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = await _rows(
            database,
            "SELECT id FROM payments WHERE status IN ('SELECT_METHOD', 'AUTH_PASSWORD')",
        )
        if not waiting:
            return
        await asyncio.sleep(1)


async def check(
    database_url: str,
    workdir: Path,
    book: Book,
    users: list[User],
    shop: Shop,
    errors_are_violations: bool = True,
) -> Verdict:
    """Compare the book with the database (see the module docstring)."""
    verdict = Verdict()
    database = Database(database_url)
    try:
        await _check(database, verdict, book, users, shop)
    finally:
        await database.dispose()
    errors = server_errors(workdir)
    verdict.figures["server errors logged"] = len(errors)
    # With the database stopped, every request that needs it fails with a logged 500 (the
    # error handler knows no "database unavailable"): counted, not a violation, in that run.
    for line in errors[:3] if errors_are_violations else []:
        verdict.fail(f"the server logged an error (a 500): {line[-700:]}")
    ok, output = ledger_verify(database_url, workdir)
    verdict.figures["ledger verify"] = "ok" if ok else "FAILED"
    if not ok:
        verdict.fail("easypay ledger verify failed:\n" + output)
    for problem in book.anomalies:
        verdict.fail(problem)
    for what in book.unanswered:
        verdict.fail(f"never answered: {what}")
    return verdict


async def _check(
    database: Database, verdict: Verdict, book: Book, users: list[User], shop: Shop
) -> None:
    by_id = {u.user_id: u for u in users}
    duplicates = 0
    orphans = 0

    open_ops = await settle_everything(database)
    for row in open_ops:
        orphans += 1
        verdict.fail(f"bank operation {row.id} ({row.kind}) still {row.status}")

    # Charges: every acknowledged one exists once and is completed; manual charges nobody was
    # told about do not exist (auto-charges belong to a send or a payment: checked by totals).
    charges = await _rows(
        database,
        "SELECT id, user_id, amount, status, request_key FROM bank_operations "
        "WHERE kind = 'charge' AND purpose = 'manual'",
    )
    charges = [row for row in charges if row.user_id in by_id]
    seen = {row.id: row for row in charges}
    for op_id, (index, amount) in book.charges.items():
        row = seen.get(op_id)
        if row is None or row.user_id != users[index].user_id or row.amount != amount:
            verdict.fail(f"acknowledged charge {op_id} is missing or wrong: {row}")
    for row in charges:
        if row.id not in book.charges and row.status == "completed":
            verdict.fail(f"charge {row.id} completed but no client was told")
    keys = Counter(row.request_key for row in charges)
    duplicates += sum(n - 1 for n in keys.values() if n > 1)
    withdrawals = await _rows(
        database,
        "SELECT id, user_id, amount, status FROM bank_operations WHERE kind = 'withdrawal'",
    )
    withdrawals = [row for row in withdrawals if row.user_id in by_id]
    found_ops = {row.id: row for row in withdrawals}
    for op_id, (index, amount) in book.withdrawals.items():
        row = found_ops.get(op_id)
        if row is None or row.user_id != users[index].user_id or row.amount != amount:
            verdict.fail(f"acknowledged withdrawal {op_id} is missing or wrong: {row}")
    for row in withdrawals:
        if row.id not in book.withdrawals and row.status == "completed":
            verdict.fail(f"withdrawal {row.id} completed but no client was told")

    # Person transfers: exactly the acknowledged ones, each with its own hold.
    transfers = await _rows(
        database,
        "SELECT id, sender_id, recipient_id, amount, status, hold_id FROM person_transfers",
    )
    transfers = [row for row in transfers if row.sender_id in by_id]
    rows = {row.id: row for row in transfers}
    for transfer_id, send in book.sends.items():
        row = rows.get(transfer_id)
        if row is None:
            verdict.fail(f"acknowledged transfer {transfer_id} does not exist")
            continue
        if (row.sender_id, row.recipient_id, row.amount) != (
            users[send.sender].user_id,
            users[send.recipient].user_id,
            send.amount,
        ):
            verdict.fail(f"transfer {transfer_id} differs from what the client was told: {row}")
        if send.ended is not None and row.status != send.ended:
            verdict.fail(f"transfer {transfer_id} is {row.status}, client was told {send.ended}")
        if row.status == "sent":
            orphans += 1
            verdict.fail(f"transfer {transfer_id} is still waiting after the run")
    extra = set(rows) - set(book.sends)
    duplicates += len(extra)
    for transfer_id in sorted(extra)[:10]:
        verdict.fail(f"transfer {transfer_id} exists but no client was told: {rows[transfer_id]}")
    holds = Counter(row.hold_id for row in transfers)
    duplicates += sum(n - 1 for n in holds.values() if n > 1)

    # POS payments: exactly the acknowledged ones, cancelled by what the clients were told.
    payments = await _rows(
        database,
        "SELECT id, pos_request_id, buyer_id, total_amount, canceled_amount, status "
        "FROM payments WHERE merchant_id = :merchant AND channel = 'POS'",
        merchant=shop.merchant_id,
    )
    by_request = Counter(row.pos_request_id for row in payments)
    duplicates += sum(n - 1 for n in by_request.values() if n > 1)
    found = {row.pos_request_id: row for row in payments}
    for request_id, pos in book.pos.items():
        row = found.get(request_id)
        if row is None:
            verdict.fail(f"acknowledged POS payment {request_id} does not exist")
            continue
        if (row.buyer_id, row.total_amount, row.canceled_amount) != (
            users[pos.buyer].user_id,
            pos.amount,
            pos.canceled,
        ):
            verdict.fail(
                f"POS payment {request_id}: database {row.buyer_id}/{row.total_amount}/"
                f"{row.canceled_amount} canceled, clients told {pos.amount}/{pos.canceled}"
            )
    extra_pos = set(found) - set(book.pos)
    duplicates += len(extra_pos)
    for request_id in sorted(extra_pos)[:10]:
        verdict.fail(f"POS payment {request_id} exists but no terminal was told")
    actions = await _rows(
        database,
        "SELECT a.payment_id, a.ledger_transfer_id FROM payment_actions a "
        "JOIN payments p ON p.id = a.payment_id WHERE p.merchant_id = :merchant",
        merchant=shop.merchant_id,
    )
    booked = Counter(row.ledger_transfer_id for row in actions if row.ledger_transfer_id)
    duplicates += sum(n - 1 for n in booked.values() if n > 1)

    # Background jobs (card captures, refunds, releases, webhooks): all done, none dead.
    jobs = await settle_jobs(database)
    orphans += len(jobs)
    for row in jobs[:10]:
        verdict.fail(f"outbox job {row.id} {row.kind} is {row.state}: {row.last_error[:200]}")

    # Cards: what each card has used at the issuer is what the terminals were told was paid
    # by card, less what they were told was cancelled.
    used = {
        row.number: row.used
        for row in await _rows(database, "SELECT number, used FROM sandbox_cards")
    }
    for user in users:
        if user.card_number is None:
            continue
        told = sum(
            p.amount - p.canceled for p in book.pos.values() if p.card and p.buyer == user.index
        )
        if used.get(user.card_number) != told:
            verdict.fail(
                f"card of user {user.user_id}: issuer says {used.get(user.card_number)} used, "
                f"terminals were told {told}"
            )

    # Online payments: approved exactly when a shop was told so, cancelled by what it was
    # told; a payment whose checkout answer was lost must have expired with its hold voided.
    await settle_payments(database)
    online = await _rows(
        database,
        "SELECT tid, buyer_id, total_amount, canceled_amount, status FROM payments "
        "WHERE merchant_id = :merchant AND channel = 'ONLINE'",
        merchant=shop.merchant_id,
    )
    for row in online:
        paid = book.online.get(row.tid)
        if paid is None:
            if row.status in ("SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT", "CANCEL_PAYMENT"):
                duplicates += 1
                verdict.fail(f"online payment {row.tid} is {row.status} but no shop was told")
            elif row.status in PENDING_WITH_HOLD:
                orphans += 1
                verdict.fail(f"online payment {row.tid} still {row.status} after its expiry")
            continue
        if (row.buyer_id, row.total_amount, row.canceled_amount) != (
            users[paid.buyer].user_id,
            paid.amount,
            paid.canceled,
        ):
            verdict.fail(
                f"online payment {row.tid}: database {row.buyer_id}/{row.total_amount}/"
                f"{row.canceled_amount} canceled, the shop was told {paid.amount}/{paid.canceled}"
            )
    missing = set(book.online) - {row.tid for row in online}
    for tid in sorted(missing)[:10]:
        verdict.fail(f"acknowledged online payment {tid} does not exist")

    # Holds: none open once every operation has ended.
    open_holds = await _rows(
        database,
        "SELECT t.id, t.code, t.reference FROM ledger_transfers t WHERE t.kind = 'pending' "
        "AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)",
    )
    orphans += len(open_holds)
    for row in open_holds[:10]:
        verdict.fail(f"hold {row.id} ({row.code} {row.reference}) is still open")

    # Keys claimed and never finished: a request half-done and abandoned.
    claimed = await _rows(
        database, "SELECT scope, endpoint, key FROM idempotency_records WHERE state = 'in_progress'"
    )
    orphans += len(claimed)
    for row in claimed[:10]:
        verdict.fail(f"idempotency key still in progress: {row.scope} {row.endpoint} {row.key}")

    # Money: each user's bank account plus wallet holds exactly what the acknowledged
    # operations say (charges and auto-charges move between the two, so they cancel out).
    expected = {u.index: START_FUNDS for u in users}
    for send in book.sends.values():
        if send.ended == "received" or send.ended is None:
            expected[send.sender] -= send.amount
            expected[send.recipient] += send.amount
    for pos in [*book.pos.values(), *book.online.values()]:
        if not pos.card:
            expected[pos.buyer] -= pos.amount - pos.canceled
    wallets = await _rows(
        database,
        "SELECT owner_id, credits_posted - debits_posted AS balance, "
        "debits_pending + credits_pending AS pending FROM ledger_accounts "
        "WHERE code = 'user_wallet'",
    )
    wallets = [row for row in wallets if row.owner_id in by_id]
    accounts = await _rows(
        database,
        "SELECT account_number, balance FROM sandbox_bank_accounts WHERE bank_code = '088'",
    )
    bank = {row.account_number: row.balance for row in accounts}
    mismatched = 0
    for row in wallets:
        user = by_id[row.owner_id]
        total = row.balance + bank.get(user.account_number, 0)
        if total != expected[user.index] or row.pending:
            mismatched += 1
            verdict.fail(
                f"user {user.user_id}: bank + wallet = {total:,}, acknowledged operations say "
                f"{expected[user.index]:,} (pending {row.pending})"
            )
    verdict.figures.update(
        {
            "operations acknowledged": book.operations,
            "by kind": dict(book.acknowledged),
            "refused (4xx)": sum(book.refused.values()),
            "duplicates": duplicates,
            "orphans": orphans,
            "balance mismatches": mismatched,
        }
    )


def report(title: str, verdict: Verdict, stats: Stats, book: Book) -> int:
    """Print the summary; the exit status (0 only when nothing was violated)."""
    print(f"\n===== {title} =====")
    for name, value in verdict.figures.items():
        print(f"{name:>26}: {value}")
    print(f"{'requests / retries':>26}: {stats.attempts} / {stats.retries}")
    if book.sent_twice:
        print(f"{'calls sent twice at once':>26}: {book.sent_twice}")
    print(
        f"{'no answer / 5xx / 409 busy':>26}: {stats.transport_errors} / "
        f"{dict(stats.server_errors)} / {stats.in_progress}"
    )
    for sample in stats.server_error_samples:
        print(f"{'5xx sample':>26}: {sample}")
    if book.refused:
        print(f"{'refusals':>26}: {dict(book.refused.most_common(8))}")
    if verdict.ok:
        print("RESULT: ok — no violation")
        return 0
    print(f"RESULT: {len(verdict.violations)} VIOLATION(S)")
    for problem in verdict.violations[:40]:
        print(f"  - {problem}")
    return 1
