"""Merchant settlement (정산): each merchant's payable, net of cancels and fees, paid once a day
(D+1) to its settlement account, with a statement of line items.

The rules:

- **Business day.** A payment action belongs to the Korea-time (Asia/Seoul) calendar day of its
  `created_at`. The run for day D (after `settlement_hour` o'clock KST on D+1) writes at most
  one statement per merchant and day (unique merchant + business date).
- **Lines.** A statement takes every PAYMENT and CANCEL action of the merchant created before
  the end of D that no statement has taken yet, so a late or carried action rolls forward to
  the next statement; a line's action is unique, so an action is settled at most once.
- **Arithmetic.** A line's fee is round-half-up(amount × fee_bp / 10,000) with the merchant's
  fee_bp at settlement time; a cancel is a negative line that gives its fee back (negative).
  gross = payments, cancel = cancels, fee = the lines' fees together, net = gross − cancel − fee.
- **Net below zero** (more cancels than payments): no statement is written and the lines stay
  unsettled, so the shortfall is carried forward and taken from the next statement that has
  enough. Net exactly zero: the statement is written with its lines as `nothing` (no payout).
- **Ledger.** When the statement is written, its fee moves payable → FEE_REVENUE (reversed if
  the fees given back are larger). A payout holds payable → BANK_CLEARING (pending), then asks
  the bank to deposit, then posts the hold (`paid`) or voids it (`failed`, a clear refusal). An
  `unknown` answer leaves the statement `paying`; the reconciliation asks the bank
  (`transfer_result`) and posts or voids. Ledger keys derive from the statement id.
- **Statuses.** open → paying → paid | failed; failed → paying again on a later run with a NEW
  bank_tran_id (a failure is only recorded once the bank clearly refused or said it never
  processed the id, so that id can never move money later). `open` also means waiting for a
  settlement account (`bank_result_code` NO_ACCOUNT): paid by the first run after one is set.
- **Once.** Two runs at once (or twice) pay once: statements and lines are unique, every status
  move is a conditional UPDATE from the statuses it may leave, the bank is idempotent on the
  bank_tran_id, and a hold is resolved at most once.
- **Announced.** `paid` publishes the `settlement.paid` webhook in the same transaction.
- **Schedule.** The worker settles D-1 once a day from `settlement_hour` KST (and each missed
  day of the last week, oldest first), then tries every open or failed statement once: a
  refused payout is retried by the next day's run (or `easypay settlement run`), not every
  pass. Unanswered payouts are reconciled on any pass once older than the bank timeout.

Building writes one statement per transaction; a payout spans the bank call, so it runs as
three steps with a commit between them (as Pay Money's bank operations do).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.kit.money import apply_basis_points
from easypay.ledger import service as ledger
from easypay.ledger.accounts import BANK_CLEARING, FEE_REVENUE
from easypay.ledger.schemas import TransferRequest
from easypay.merchant.service import payable_account
from easypay.models import Merchant, PaymentAction, Settlement
from easypay.money.banks import mask_account
from easypay.money.gateway import BankGateway, TransferOutcome
from easypay.settlement import repository
from easypay.settlement.errors import BusinessDayNotOver, SettlementNotFound
from easypay.webhook.events import publish

KST = timezone(timedelta(hours=9), "KST")  # Korea keeps no daylight saving time
CATCH_UP_DAYS = 7  # a worker that was down settles each missed day separately
BATCH = 100
NO_ACCOUNT = "NO_ACCOUNT"
NO_ACCOUNT_MESSAGE = "No settlement account is set: paid by the first run after one is."
PAID_EVENT = "settlement.paid"


# --- days -------------------------------------------------------------------------------------


def business_date_of(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def end_of(business_date: date) -> datetime:
    """The first instant after the business day (midnight KST), in UTC."""
    return datetime.combine(business_date + timedelta(days=1), time(0), KST).astimezone(UTC)


def settlement_hour(settings: Settings) -> int:
    """The KST hour from which D-1 is settled (`EASYPAY_SETTLEMENT_HOUR_KST`, default 1: late
    commits get an hour to land; the setting itself is checked to be 0–23)."""
    return settings.settlement_hour_kst


def due_business_date(now: datetime, hour: int) -> date:
    """The latest day due: yesterday (KST) from `hour` o'clock, the day before until then."""
    return (now.astimezone(KST) - timedelta(hours=hour)).date() - timedelta(days=1)


def day_key(business_date: date) -> str:
    return f"settlement.day:{business_date.isoformat()}"


def check_day_is_over(business_date: date) -> None:
    if end_of(business_date) > clock.now():
        raise BusinessDayNotOver()


# --- arithmetic -------------------------------------------------------------------------------


def line_amounts(kind: str, amount: int, fee_bp: int) -> tuple[int, int]:
    """A line's signed amount and fee: a cancel is negative and gives its fee back."""
    fee = apply_basis_points(amount, fee_bp)
    return (amount, fee) if kind == "PAYMENT" else (-amount, -fee)


@dataclass(frozen=True)
class Totals:
    gross: int
    cancel: int
    fee: int

    @property
    def net(self) -> int:
        return self.gross - self.cancel - self.fee

    @classmethod
    def of(cls, lines: Sequence[tuple[int, int]]) -> Totals:
        """From (signed amount, signed fee) pairs."""
        gross = sum(amount for amount, _ in lines if amount > 0)
        cancel = -sum(amount for amount, _ in lines if amount < 0)
        return cls(gross, cancel, sum(fee for _, fee in lines))


# --- building statements ----------------------------------------------------------------------


async def build_day(database: Database, business_date: date) -> list[int]:
    """Write the statements of `business_date` (those not written yet); their ids."""
    cutoff = end_of(business_date)
    async with database.transaction() as session:
        merchant_ids = await repository.merchants_with_unsettled(session, cutoff)
    built: list[int] = []
    for merchant_id in merchant_ids:
        for attempt in (1, 2):
            try:
                async with database.transaction() as session:
                    settlement = await build_statement(session, merchant_id, business_date)
                break
            except IntegrityError:
                # A run for another day took some of these actions at the same moment: the
                # statement was rolled back whole; build it again from what is left.
                if attempt == 2:
                    raise
        if settlement is not None:
            built.append(settlement.id)
    return built


async def build_statement(
    session: AsyncSession, merchant_id: int, business_date: date
) -> Settlement | None:
    """The merchant's statement of the day with its lines and fee, unless one exists already,
    there is nothing to settle, or the net is negative (carried forward)."""
    merchant = await repository.merchant(session, merchant_id)
    assert merchant is not None
    rows = await repository.unsettled_actions(session, merchant_id, end_of(business_date))
    lines = [
        (action, tid, *line_amounts(action.kind, action.amount, merchant.fee_bp))
        for action, tid in rows
    ]
    totals = Totals.of([(amount, fee) for _, _, amount, fee in lines])
    if not lines or totals.net < 0:
        return None
    now = clock.now()
    settlement_id = await repository.insert_statement(
        session,
        {
            "merchant_id": merchant_id,
            "business_date": business_date.isoformat(),
            "gross_amount": totals.gross,
            "cancel_amount": totals.cancel,
            "fee_amount": totals.fee,
            "net_amount": totals.net,
            "status": "open" if totals.net > 0 else "nothing",
            "bank_code": "",
            "account_number": "",
            "holder_name": "",
            "bank_result_code": "",
            "bank_message": "",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    if settlement_id is None:  # written already (by this run earlier, or another at once)
        return None
    await repository.insert_lines(
        session,
        [_line(settlement_id, action, tid, amount, fee, now) for action, tid, amount, fee in lines],
    )
    await _book_fee(session, settlement_id, merchant_id, totals.fee)
    return await repository.statement_by_id(session, settlement_id)


def _line(
    settlement_id: int, action: PaymentAction, tid: str, amount: int, fee: int, now: datetime
) -> dict[str, Any]:
    return {
        "settlement_id": settlement_id,
        "payment_action_id": action.id,
        "tid": tid,
        "kind": action.kind,
        "amount": amount,
        "fee": fee,
        "created_at": now,
    }


async def _book_fee(session: AsyncSession, settlement_id: int, merchant_id: int, fee: int) -> None:
    if fee == 0:
        return
    payable = await payable_account(session, merchant_id)
    revenue = await ledger.system_account_id(session, FEE_REVENUE)
    debit, credit = (payable, revenue) if fee > 0 else (revenue, payable)
    await ledger.transfer(
        session,
        TransferRequest(
            debit_account_id=debit,
            credit_account_id=credit,
            amount=abs(fee),
            code="settlement_fee",
            key=f"settlement:{settlement_id}:fee",
            reference=f"settlement:{settlement_id}",
        ),
    )


# --- paying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One payout sent to the bank (recorded, with its hold, before the call)."""

    settlement_id: int
    bank_tran_id: str
    bank_code: str
    account_number: str
    amount: int
    memo: str


async def pay(database: Database, bank: BankGateway, settlement_id: int) -> Settlement:
    """Pay one open or failed statement (the three steps); a no-op for any other status."""
    async with database.transaction() as session:
        attempt = await start_payout(session, settlement_id)
    if attempt is not None:
        outcome = await bank.deposit(
            attempt.bank_tran_id,
            attempt.bank_code,
            attempt.account_number,
            attempt.amount,
            attempt.memo,
        )
        async with database.transaction() as session:
            await apply_outcome(session, settlement_id, attempt.bank_tran_id, outcome)
    async with database.transaction() as session:
        settlement = await repository.statement_by_id(session, settlement_id)
    assert settlement is not None
    return settlement


async def start_payout(session: AsyncSession, settlement_id: int) -> Attempt | None:
    """Move the statement to `paying` with a new bank_tran_id and hold the net; None when it
    is not payable (another run has it, it is paid, or there is no account: noted)."""
    settlement = await repository.statement_by_id(session, settlement_id)
    if settlement is None or settlement.status not in ("open", "failed"):
        return None
    merchant = await repository.merchant(session, settlement.merchant_id)
    assert merchant is not None
    if not (merchant.settlement_bank_code and merchant.settlement_account_number):
        await repository.note_waiting(
            session, settlement_id, NO_ACCOUNT, NO_ACCOUNT_MESSAGE, clock.now()
        )
        return None
    bank_tran_id = "ES" + uuid.uuid4().hex[:18].upper()
    account = (
        merchant.settlement_bank_code,
        merchant.settlement_account_number,
        merchant.settlement_holder_name,
    )
    attempts = await repository.start_payout(
        session, settlement_id, bank_tran_id, account, clock.now()
    )
    if attempts is None:
        return None
    hold = await ledger.transfer(
        session,
        TransferRequest(
            debit_account_id=await payable_account(session, merchant.id),
            credit_account_id=await ledger.system_account_id(session, BANK_CLEARING),
            amount=settlement.net_amount,
            code="settlement",
            pending=True,
            key=f"settlement:{settlement_id}:payout:{attempts}",
            reference=f"settlement:{settlement_id}:{bank_tran_id}",
        ),
    )
    await repository.set_pending_transfer(session, settlement_id, hold.id)
    return Attempt(
        settlement_id,
        bank_tran_id,
        merchant.settlement_bank_code,
        merchant.settlement_account_number,
        settlement.net_amount,
        f"EasyPay 정산 {settlement.business_date}",
    )


async def apply_outcome(
    session: AsyncSession, settlement_id: int, bank_tran_id: str, outcome: TransferOutcome
) -> bool:
    """The bank's answer about one attempt: post the hold (ok), void it (a clear refusal), or
    keep waiting (unknown). Whoever settles the attempt first wins; False for the others."""
    code = outcome.bank_result_code or outcome.result_code
    if outcome.outcome == "unknown":
        await repository.note_unknown(session, settlement_id, bank_tran_id, outcome.message)
        return False
    status = "paid" if outcome.outcome == "ok" else "failed"
    now = clock.now()
    if not await repository.finish_payout(
        session, settlement_id, bank_tran_id, status, code, outcome.message, now
    ):
        return False
    settlement = await repository.statement_by_id(session, settlement_id)
    assert settlement is not None
    assert settlement.pending_transfer_id is not None
    if status == "paid":
        await ledger.post(session, settlement.pending_transfer_id)
        counts = await repository.line_counts(session, [settlement.id])
        await publish(
            session,
            settlement.merchant_id,
            PAID_EVENT,
            summary(settlement, counts.get(settlement.id, 0)),
        )
    else:
        await ledger.void(session, settlement.pending_transfer_id)
    return True


def summary(settlement: Settlement, line_count: int) -> dict[str, Any]:
    """A statement as the `settlement.paid` webhook tells it."""
    return {
        "settlement_id": settlement.id,
        "business_date": settlement.business_date,
        "status": settlement.status,
        "gross_amount": settlement.gross_amount,
        "cancel_amount": settlement.cancel_amount,
        "fee_amount": settlement.fee_amount,
        "net_amount": settlement.net_amount,
        "line_count": line_count,
        "bank_code": settlement.bank_code,
        "account_number_masked": mask_account(settlement.account_number),
        "bank_tran_id": settlement.bank_tran_id,
        "paid_at": settlement.paid_at.isoformat() if settlement.paid_at else None,
    }


def reconcile_age(settings: Settings) -> timedelta:
    """How old a `paying` attempt must be before the bank is asked about it: never while our own
    call may still be on its way (the gateway gives up after bank_timeout_seconds)."""
    return timedelta(
        seconds=max(float(settings.bank_reconcile_after_seconds), settings.bank_timeout_seconds)
    )


async def reconcile(database: Database, bank: BankGateway, older_than: timedelta) -> int:
    """Finish payouts the bank never answered clearly by asking it; how many were finished.

    The bank records an id it never saw as cancelled (a late arrival is then refused), so a
    `failed` from here can never be followed by the money moving."""
    async with database.transaction() as session:
        ids = await repository.unanswered_statement_ids(session, clock.now() - older_than, BATCH)
    finished = 0
    for settlement_id in ids:
        async with database.transaction() as session:
            settlement = await repository.statement_by_id(session, settlement_id)
        if settlement is None or settlement.status != "paying" or not settlement.bank_tran_id:
            continue
        outcome = await bank.transfer_result(settlement.bank_tran_id)
        async with database.transaction() as session:
            finished += await apply_outcome(
                session, settlement_id, settlement.bank_tran_id, outcome
            )
    return finished


async def pay_due(database: Database, bank: BankGateway) -> list[Settlement]:
    """Try to pay every open or failed statement once; the statements afterwards."""
    async with database.transaction() as session:
        ids = await repository.payable_statement_ids(session, None, BATCH)
    results: list[Settlement] = []
    while ids:
        for settlement_id in ids:
            results.append(await pay(database, bank, settlement_id))
        async with database.transaction() as session:
            ids = await repository.payable_statement_ids(session, ids[-1], BATCH)
    return results


# --- runs -------------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What one run did."""

    business_dates: list[date] = field(default_factory=list)
    built: list[int] = field(default_factory=list)
    reconciled: int = 0
    payouts: list[Settlement] = field(default_factory=list)

    @property
    def work(self) -> int:
        tried = [s for s in self.payouts if s.bank_result_code != NO_ACCOUNT]
        return len(self.built) + self.reconciled + len(tried)


async def run(
    database: Database,
    bank: BankGateway,
    settings: Settings,
    business_dates: Sequence[date],
) -> RunReport:
    """Settle the given (ended) business days in order, then pay whatever is payable."""
    for business_date in business_dates:
        check_day_is_over(business_date)
    report = RunReport(business_dates=list(business_dates))
    report.reconciled = await reconcile(database, bank, reconcile_age(settings))
    for business_date in sorted(business_dates):
        report.built += await build_day(database, business_date)
    report.payouts = await pay_due(database, bank)
    # Marked last: a run cut short (a crash, an error) is run again by the next worker pass.
    async with database.transaction() as session:
        for business_date in business_dates:
            await repository.mark_day_done(session, day_key(business_date), clock.now())
    return report


async def days_due(database: Database, settings: Settings) -> list[date]:
    """The business days due and not settled yet (the last CATCH_UP_DAYS), oldest first."""
    latest = due_business_date(clock.now(), settlement_hour(settings))
    days = [latest - timedelta(days=back) for back in range(CATCH_UP_DAYS - 1, -1, -1)]
    async with database.transaction() as session:
        done = await repository.days_done(session, [day_key(day) for day in days])
    return [day for day in days if day_key(day) not in done]


# --- what merchants read ----------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    aid: str
    tid: str
    kind: str
    amount: int
    fee: int
    at: datetime


async def statements(
    session: AsyncSession, merchant: Merchant, before_id: int | None, limit: int
) -> list[tuple[Settlement, int]]:
    """The merchant's statements, newest first, each with its number of lines."""
    found = await repository.statements_of(session, merchant.id, before_id, limit)
    counts = await repository.line_counts(session, [s.id for s in found])
    return [(settlement, counts.get(settlement.id, 0)) for settlement in found]


async def statement(
    session: AsyncSession, merchant: Merchant, settlement_id: int
) -> tuple[Settlement, list[Line]]:
    """One of the merchant's statements with its lines (another merchant's: not found)."""
    found = await repository.statement_of(session, merchant.id, settlement_id)
    if found is None:
        raise SettlementNotFound()
    rows = await repository.lines_of(session, found.id)
    lines = [Line(aid, line.tid, line.kind, line.amount, line.fee, at) for line, aid, at in rows]
    return found, lines


async def carried_forward(session: AsyncSession, merchant: Merchant) -> Totals:
    """What no statement has taken yet (today's actions, and a negative net carried)."""
    rows = await repository.unsettled_summary(session, merchant.id)
    return Totals.of([line_amounts(kind, amount, merchant.fee_bp) for kind, amount in rows])
