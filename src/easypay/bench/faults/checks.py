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
    LANDLORD_FUNDS,
    START_FUNDS,
    Book,
    PosPayment,
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


async def _wait_for_none(
    database: Database, sql: str, timeout: float, nudge: str | None = None, **params: Any
) -> list[Any]:
    """Poll `sql` until it finds no row or the time is up; returns what it found last. `nudge`
    is run before each wait (with `now`)."""
    deadline = time.monotonic() + timeout
    while True:
        found = await _rows(database, sql, **params)
        if not found or time.monotonic() > deadline:
            return found
        if nudge is not None:
            async with database.transaction() as session:
                await session.execute(text(nudge), {"now": datetime.now(UTC)})
        await asyncio.sleep(1)


async def settle_everything(database: Database, timeout: float = 120.0) -> list[Any]:
    """Wait for the worker to finish every bank operation; returns those still open."""
    return await _wait_for_none(
        database,
        "SELECT id, kind, status FROM bank_operations WHERE status NOT IN ('completed', 'failed')",
        timeout,
    )


async def settle_jobs(database: Database, timeout: float = 120.0) -> list[Any]:
    """Wait for the worker to run every due outbox job; returns those not done. What an
    operator's "retry now" does is done meanwhile: jobs waiting out their backoff, and jobs
    claimed by a worker that was killed (their 5-minute lease not yet out), run at once (the
    handlers are idempotent, so one a live worker is running may run again harmlessly)."""
    return await _wait_for_none(
        database,
        "SELECT id, kind, state, last_error FROM outbox_jobs WHERE state <> 'done' "
        "AND kind NOT LIKE 'webhook%'",
        timeout,
        nudge="UPDATE outbox_jobs SET run_at = :now, locked_until = NULL "
        "WHERE state = 'pending' AND (run_at > :now OR locked_until > :now)",
    )


PENDING_WITH_HOLD = ("SELECT_METHOD", "AUTH_PASSWORD")


async def settle_payments(database: Database, timeout: float = 150.0) -> None:
    """Wait for the worker to expire every online payment left waiting for its approval (a
    checkout whose redirect was lost): the runs' server lets one wait a minute."""
    await _wait_for_none(
        database,
        "SELECT id FROM payments WHERE status IN ('SELECT_METHOD', 'AUTH_PASSWORD')",
        timeout,
    )


async def _own_account_operations(
    database: Database,
    verdict: Verdict,
    kind: str,
    purpose: str,
    told: dict[int, tuple[int, int]],
    users: list[User],
) -> int:
    """Charges or withdrawals against what clients were told; the number of duplicates."""
    by_id = {u.user_id for u in users}
    found = await _rows(
        database,
        "SELECT id, user_id, amount, status, request_key FROM bank_operations "
        "WHERE kind = :kind AND (:purpose = '' OR purpose = :purpose)",
        kind=kind,
        purpose=purpose,
    )
    found = [row for row in found if row.user_id in by_id]
    seen = {row.id: row for row in found}
    for op_id, (index, amount) in told.items():
        row = seen.get(op_id)
        if row is None or row.user_id != users[index].user_id or row.amount != amount:
            verdict.fail(f"acknowledged {kind} {op_id} is missing or wrong: {row}")
    for row in found:
        if row.id not in told and row.status == "completed":
            verdict.fail(f"{kind} {row.id} completed but no client was told")
    keys = Counter(row.request_key for row in found)
    return sum(n - 1 for n in keys.values() if n > 1)


def _compare_payment(
    verdict: Verdict, what: str, row: Any, told: PosPayment, users: list[User]
) -> None:
    """A payment's buyer, total and cancelled amount are what the shop or terminal was told."""
    if (row.buyer_id, row.total_amount, row.canceled_amount) != (
        users[told.buyer].user_id,
        told.amount,
        told.canceled,
    ):
        verdict.fail(
            f"{what}: database {row.buyer_id}/{row.total_amount}/{row.canceled_amount} "
            f"canceled, the shop was told {users[told.buyer].user_id}/{told.amount}/{told.canceled}"
        )


async def check(
    database_url: str,
    workdir: Path,
    book: Book,
    users: list[User],
    shop: Shop,
    errors_are_violations: bool = True,
    accounts: list[str] | None = None,
) -> Verdict:
    """Compare the book with the database (see the module docstring); `accounts` are the
    sandbox bank accounts the clients' bank transfers went to."""
    verdict = Verdict()
    database = Database(database_url)
    try:
        await _check(database, verdict, book, users, shop, accounts or [])
    finally:
        await database.dispose()
    errors = server_errors(workdir)
    verdict.figures["server errors logged"] = len(errors)
    # With the database stopped, requests that need it answer 503 (a logged warning) and the
    # worker's jobs log their failures: counted, not a violation, in that run.
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
    database: Database,
    verdict: Verdict,
    book: Book,
    users: list[User],
    shop: Shop,
    accounts: list[str],
) -> None:
    by_id = {u.user_id: u for u in users}
    duplicates = 0
    orphans = 0
    mismatched = 0

    open_ops = await settle_everything(database)
    for row in open_ops:
        orphans += 1
        verdict.fail(f"bank operation {row.id} ({row.kind}) still {row.status}")
    # Payments left waiting expire first: a card's expiry queues the job that releases it.
    await settle_payments(database)
    jobs = await settle_jobs(database)

    # Charges and withdrawals: every acknowledged one exists once and is completed; none
    # completed that nobody was told about (auto-charges belong to a send or a payment: checked
    # by the totals below).
    duplicates += await _own_account_operations(
        database, verdict, "charge", "manual", book.charges, users
    )
    duplicates += await _own_account_operations(
        database, verdict, "withdrawal", "", book.withdrawals, users
    )

    # Transfers to bank accounts: each acknowledged one ended `completed` (told `unknown`:
    # completed or failed), none completed that nobody was told of, each receiving account got
    # exactly the completed ones, each once.
    sent_out = await _rows(
        database,
        "SELECT id, user_id, amount, status, account_number, request_key FROM bank_operations "
        "WHERE kind = 'transfer'",
    )
    sent_out = [row for row in sent_out if row.user_id in by_id]
    out = {row.id: row for row in sent_out}
    for op_id, sent in book.bank_transfers.items():
        row = out.get(op_id)
        if row is None or (row.user_id, row.amount, row.account_number) != (
            users[sent.sender].user_id,
            sent.amount,
            sent.account,
        ):
            verdict.fail(f"acknowledged bank transfer {op_id} is missing or wrong: {row}")
        elif sent.told == "completed" and row.status != "completed":
            verdict.fail(f"bank transfer {op_id} is {row.status}, the client was told completed")
    for row in sent_out:
        if row.id not in book.bank_transfers and row.status == "completed":
            duplicates += 1
            verdict.fail(f"bank transfer {row.id} completed but no client was told: {row}")
    keys = Counter(row.request_key for row in sent_out)
    duplicates += sum(n - 1 for n in keys.values() if n > 1)
    completed_out = [row for row in sent_out if row.status == "completed"]
    received = await _rows(
        database,
        "SELECT a.account_number, a.balance, COUNT(t.id) AS deposits, "
        "COALESCE(SUM(t.amount), 0) AS deposited FROM sandbox_bank_accounts a "
        "LEFT JOIN sandbox_bank_transactions t ON t.account_id = a.id AND t.direction = 'in' "
        "AND t.bank_tran_id <> '' "
        "WHERE a.bank_code = '088' GROUP BY a.account_number, a.balance",
    )
    at_bank = {row.account_number: row for row in received}
    for account in accounts:
        rows_in = [row for row in completed_out if row.account_number == account]
        found_at = at_bank.get(account)
        expected_in = (len(rows_in), sum(row.amount for row in rows_in))
        if found_at is None or (
            found_at.deposits,
            found_at.deposited,
            found_at.balance - LANDLORD_FUNDS,
        ) != (*expected_in, expected_in[1]):
            mismatched += 1
            verdict.fail(
                f"bank account {account}: the bank shows {found_at}, EasyPay completed "
                f"{expected_in[0]} transfers of {expected_in[1]:,} to it"
            )

    # Money requests: exactly the acknowledged ones, each part paid (once, by its own ledger
    # transfer) or declined exactly when the payer was told so, else still pending.
    items = await _rows(
        database,
        "SELECT r.id, r.requester_id, i.payer_id, i.amount, i.status, i.ledger_transfer_id, "
        "t.amount AS moved, t.code FROM money_requests r "
        "JOIN money_request_items i ON i.money_request_id = r.id "
        "LEFT JOIN ledger_transfers t ON t.id = i.ledger_transfer_id",
    )
    items = [row for row in items if row.requester_id in by_id]
    parts: dict[int, list[Any]] = {}
    for row in items:
        parts.setdefault(row.id, []).append(row)
    for ask_id, asked in book.asks.items():
        found_parts = parts.get(ask_id, [])
        expected_part = (users[asked.requester].user_id, users[asked.payer].user_id, asked.amount)
        if [(r.requester_id, r.payer_id, r.amount) for r in found_parts] != [expected_part]:
            verdict.fail(f"acknowledged money request {ask_id} is missing or wrong")
            continue
        part = found_parts[0]
        if part.status != (asked.answer or "pending"):
            verdict.fail(
                f"money request {ask_id} is {part.status}, the payer was told {asked.answer}"
            )
        if part.status == "paid" and (part.moved, part.code) != (asked.amount, "request_payment"):
            verdict.fail(f"money request {ask_id} paid without its transfer: {part}")
    for ask_id in sorted(set(parts) - set(book.asks))[:10]:
        verdict.fail(f"money request {ask_id} exists but no client was told")
    duplicates += len(set(parts) - set(book.asks))
    request_payments = await _rows(
        database,
        "SELECT reference, COUNT(*) AS n FROM ledger_transfers WHERE code = 'request_payment' "
        "GROUP BY reference",
    )
    ours = {f"request:{ask_id}" for ask_id in parts}
    duplicates += sum(row.n - 1 for row in request_payments if row.reference in ours)

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
        _compare_payment(verdict, f"POS payment {request_id}", row, pos, users)
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
    orphans += len(jobs)
    for row in jobs[:10]:
        verdict.fail(f"outbox job {row.id} {row.kind} is {row.state}: {row.last_error[:200]}")

    # Cards: what each card has used at the issuer is what the terminals and shops were told
    # was paid by card, less what they were told was cancelled; each card payment kept was
    # captured once for its total and refunded by what was cancelled; an online card payment
    # not kept (its checkout's answer lost, then expired) was released.
    card_paid = [*book.pos.values(), *book.online.values()]
    used = {
        row.number: row.used
        for row in await _rows(database, "SELECT number, used FROM sandbox_cards")
    }
    for user in users:
        if user.card_number is None:
            continue
        told = sum(p.amount - p.canceled for p in card_paid if p.card and p.buyer == user.index)
        if used.get(user.card_number) != told:
            mismatched += 1
            verdict.fail(
                f"card of user {user.user_id}: issuer says {used.get(user.card_number)} used, "
                f"terminals and shops were told {told}"
            )
    authorizations = await _rows(
        database,
        "SELECT request_id, approval_id, amount, captured_amount, canceled_amount "
        "FROM sandbox_card_authorizations WHERE state IN ('authorized', 'captured', 'canceled')",
    )
    by_approval = {row.approval_id: row for row in authorizations}
    card_payments = await _rows(
        database,
        "SELECT tid, channel, pos_request_id, total_amount, card_approval_id FROM payments "
        "WHERE merchant_id = :merchant AND card_id IS NOT NULL",
        merchant=shop.merchant_id,
    )
    for row in card_payments:
        kept = (
            book.pos.get(row.pos_request_id) if row.channel == "POS" else book.online.get(row.tid)
        )
        if kept is not None:
            found_auth = by_approval.get(row.card_approval_id or "")
            if found_auth is None or (found_auth.captured_amount, found_auth.canceled_amount) != (
                kept.amount,
                kept.canceled,
            ):
                verdict.fail(
                    f"card payment {row.tid}: the issuer has {found_auth}, the shop was told "
                    f"{kept.amount} paid, {kept.canceled} cancelled"
                )
            continue
        prefix = f"{row.tid}:authorize:"
        for found_auth in authorizations:
            if found_auth.request_id.startswith(prefix) and (
                found_auth.captured_amount or found_auth.canceled_amount != found_auth.amount
            ):
                orphans += 1
                verdict.fail(f"card payment {row.tid} was not kept, its authorisation is held")

    # Online payments: approved exactly when a shop was told so, cancelled by what it was
    # told; a payment whose checkout answer was lost must have expired with its hold voided.
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
        _compare_payment(verdict, f"online payment {row.tid}", row, paid, users)
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
    for pos in card_paid:
        if not pos.card:
            expected[pos.buyer] -= pos.amount - pos.canceled
    for row in completed_out:  # to bank accounts outside: gone
        if row.id in book.bank_transfers:
            expected[book.bank_transfers[row.id].sender] -= row.amount
    for asked in book.asks.values():
        if asked.answer == "paid":
            expected[asked.payer] -= asked.amount
            expected[asked.requester] += asked.amount
    wallets = await _rows(
        database,
        "SELECT owner_id, credits_posted - debits_posted AS balance, "
        "debits_pending + credits_pending AS pending FROM ledger_accounts "
        "WHERE code = 'user_wallet'",
    )
    wallets = [row for row in wallets if row.owner_id in by_id]
    bank = {row.account_number: row.balance for row in received}
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
