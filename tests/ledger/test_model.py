"""Model-based test: Hypothesis drives random ledger operations against the database and a tiny
in-memory model, and compares every balance after every step.

The test itself is synchronous (Hypothesis drives it); the ledger calls run on an event loop of
their own in a helper thread, with a `Database` of their own, since database connections are
bound to the loop that opened them.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from easypay.db import Database
from easypay.kit.clock import FakeClock, SystemClock, clock
from easypay.ledger import service as ledger
from easypay.ledger.errors import LedgerError
from easypay.ledger.schemas import TransferRequest
from tests.ledger.builders import fund, open_wallet, sums, void_open_holds

T = TypeVar("T")

MAX_ACCOUNTS = 5
# Transfer keys must never repeat across examples (the database keeps every transfer made).
_keys = itertools.count()
amounts = st.integers(min_value=1, max_value=4_000)
indexes = st.integers(min_value=0, max_value=1_000)


class LoopThread:
    """An event loop running in a thread of its own; `run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=120)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class ModelAccount:
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    @property
    def available(self) -> int:
        return self.credits_posted - self.debits_posted - self.debits_pending

    def sums(self) -> tuple[int, int, int, int]:
        return (self.debits_pending, self.debits_posted, self.credits_pending, self.credits_posted)


@dataclass
class ModelHold:
    id: int
    debit: int
    credit: int
    amount: int
    expires_at: datetime
    resolved: bool = False


@dataclass
class ModelPost:
    pending_id: int
    amount: int
    key: str
    transfer_id: int


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, loop: LoopThread, database: Database, fake: FakeClock) -> None:
        super().__init__()
        self.loop, self.database, self.clock = loop, database, fake
        self.accounts: dict[int, ModelAccount] = {}
        self.holds: list[ModelHold] = []
        self.transfers: list[tuple[TransferRequest, int]] = []
        self.posts: list[ModelPost] = []

    # --- helpers ------------------------------------------------------------------------------

    def attempt(self, action: Any) -> tuple[Any, str]:
        """Run `action(session)` in its own transaction: (its result, "ok") or (None, refusal)."""

        async def run() -> tuple[Any, str]:
            try:
                async with self.database.transaction() as session:
                    return await action(session), "ok"
            except LedgerError as error:
                return None, type(error).__name__

        return self.loop.run(run())

    def account_ids(self) -> list[int]:
        return sorted(self.accounts)

    def pick(self, index: int, items: list[T]) -> T:
        return items[index % len(items)]

    def pair(self, i: int, j: int) -> tuple[int, int]:
        ids = self.account_ids()
        debit = self.pick(i, ids)
        others = [a for a in ids if a != debit]
        return debit, self.pick(j, others)

    def new_key(self, prefix: str) -> str:
        return f"{prefix}-{next(_keys)}"

    def release(self, hold: ModelHold, posted: int) -> None:
        hold.resolved = True
        debit, credit = self.accounts[hold.debit], self.accounts[hold.credit]
        debit.debits_pending -= hold.amount
        credit.credits_pending -= hold.amount
        debit.debits_posted += posted
        credit.credits_posted += posted

    # --- rules --------------------------------------------------------------------------------

    @initialize(first=st.integers(min_value=0, max_value=10_000))
    def start(self, first: int) -> None:
        # Holds left open by earlier examples would be expired by `expire_due` below.
        self.loop.run(void_open_holds(self.database))
        self.open_account(first)
        self.open_account(0)

    @precondition(lambda self: len(self.accounts) < MAX_ACCOUNTS)
    @rule(initial=st.integers(min_value=0, max_value=10_000))
    def open_account(self, initial: int) -> None:
        account_id = self.loop.run(open_wallet(self.database, initial))
        self.accounts[account_id] = ModelAccount(credits_posted=initial)

    @rule(i=indexes, amount=amounts)
    def charge(self, i: int, amount: int) -> None:
        account_id = self.pick(i, self.account_ids())
        self.loop.run(fund(self.database, account_id, amount))
        self.accounts[account_id].credits_posted += amount

    @rule(i=indexes, j=indexes, amount=amounts)
    def transfer(self, i: int, j: int, amount: int) -> None:
        debit, credit = self.pair(i, j)
        request = TransferRequest(debit, credit, amount, "model", key=self.new_key("t"))
        made, result = self.attempt(lambda s: ledger.transfer(s, request))
        if self.accounts[debit].available >= amount:
            assert result == "ok"
            self.accounts[debit].debits_posted += amount
            self.accounts[credit].credits_posted += amount
            self.transfers.append((request, made.id))
        else:
            assert result == "InsufficientFunds"

    @rule(i=indexes, j=indexes, amount=st.sampled_from([0, -1, -4_000, 10**15 + 1]))
    def transfer_invalid_amount(self, i: int, j: int, amount: int) -> None:
        debit, credit = self.pair(i, j)
        request = TransferRequest(debit, credit, amount, "model")
        assert self.attempt(lambda s: ledger.transfer(s, request))[1] == "InvalidAmount"

    @rule(i=indexes, j=indexes, amount=amounts, minutes=st.integers(min_value=1, max_value=60))
    def hold(self, i: int, j: int, amount: int, minutes: int) -> None:
        debit, credit = self.pair(i, j)
        expires_at = self.clock.now() + timedelta(minutes=minutes)
        request = TransferRequest(
            debit, credit, amount, "model", pending=True, expires_at=expires_at
        )
        made, result = self.attempt(lambda s: ledger.transfer(s, request))
        if self.accounts[debit].available >= amount:
            assert result == "ok"
            self.accounts[debit].debits_pending += amount
            self.accounts[credit].credits_pending += amount
            self.holds.append(ModelHold(made.id, debit, credit, amount, expires_at))
        else:
            assert result == "InsufficientFunds"

    @precondition(lambda self: self.holds)
    @rule(h=indexes, amount=st.none() | amounts)
    def post(self, h: int, amount: int | None) -> None:
        hold = self.pick(h, self.holds)
        key = self.new_key("p")
        made, result = self.attempt(lambda s: ledger.post(s, hold.id, amount, key=key))
        if amount is not None and amount > hold.amount:
            assert result == "InvalidAmount"
        elif self.clock.now() >= hold.expires_at:
            assert result == "PendingExpired"
        elif hold.resolved:
            assert result == "AlreadyResolved"
        else:
            assert result == "ok"
            posted = hold.amount if amount is None else amount
            assert made.amount == posted
            self.release(hold, posted)
            self.posts.append(ModelPost(hold.id, posted, key, made.id))

    @precondition(lambda self: self.holds)
    @rule(h=indexes)
    def void(self, h: int) -> None:
        hold = self.pick(h, self.holds)
        key = self.new_key("v")
        _, result = self.attempt(lambda s: ledger.void(s, hold.id, key=key))
        if hold.resolved:
            assert result == "AlreadyResolved"
        else:
            assert result == "ok"
            self.release(hold, 0)

    @rule(minutes=st.integers(min_value=1, max_value=90))
    def expire(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        expired, result = self.attempt(ledger.expire_due)
        assert result == "ok"
        due = [h for h in self.holds if not h.resolved and h.expires_at <= self.clock.now()]
        assert expired == len(due)
        for hold in due:
            self.release(hold, 0)

    @precondition(lambda self: self.transfers)
    @rule(t=indexes)
    def replay_transfer(self, t: int) -> None:
        request, transfer_id = self.pick(t, self.transfers)
        made, result = self.attempt(lambda s: ledger.transfer(s, request))
        assert result == "ok"
        assert made.id == transfer_id

    @precondition(lambda self: self.transfers)
    @rule(t=indexes, amount=amounts)
    def reuse_key_differently(self, t: int, amount: int) -> None:
        request, _ = self.pick(t, self.transfers)
        if amount == request.amount:
            amount += 1
        changed = TransferRequest(
            request.debit_account_id, request.credit_account_id, amount, "model", key=request.key
        )
        assert self.attempt(lambda s: ledger.transfer(s, changed))[1] == "TransferKeyReused"

    @precondition(lambda self: self.posts)
    @rule(p=indexes)
    def replay_post(self, p: int) -> None:
        post = self.pick(p, self.posts)
        made, result = self.attempt(
            lambda s: ledger.post(s, post.pending_id, post.amount, key=post.key)
        )
        assert result == "ok"
        assert made.id == post.transfer_id

    # --- the comparison -----------------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self) -> None:
        if not self.accounts:
            return
        stored = self.loop.run(sums(self.database, self.accounts))
        for account_id, model in self.accounts.items():
            assert stored[account_id] == model.sums(), f"account {account_id}"
            assert model.available >= 0

    def teardown(self) -> None:
        self.loop.run(void_open_holds(self.database))


class TestLedgerModel:
    def test_random_operations_match_the_model(self, settings):
        database_url = settings.database_url
        loop = LoopThread()
        database = loop.run(_open(database_url))
        fake = FakeClock(SystemClock().now())
        clock.use(fake)
        try:
            run_state_machine_as_test(
                lambda: LedgerMachine(loop, database, fake),
                settings=hypothesis_settings(
                    max_examples=25,
                    stateful_step_count=30,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                ),
            )
        finally:
            clock.reset()
            loop.run(database.dispose())
            loop.close()


async def _open(url: str) -> Database:
    return Database(url)
