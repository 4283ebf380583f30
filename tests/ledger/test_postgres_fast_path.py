"""The PostgreSQL fast path (`ledger.postgres`) answers exactly as the portable path does.

Two identical worlds of accounts live side by side in the test database: the portable path
(`ledger.service.portable_*`, what SQLite runs) works on one, the fast path on the other,
with the same random requests — good and bad amounts, unknown accounts, other units, flagged
accounts, holding caps, holds, replays and reused keys, inside one batch and across batches.
After every step both answered the same (transfers, refusals and their messages, which
transfer a replay returned) and every account's four sums are the same.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from easypay.kit.clock import clock
from easypay.ledger import postgres
from easypay.ledger import service as ledger
from easypay.ledger.accounts import BANK_CLEARING, FEE_REVENUE, USER_WALLET, WALLET_FLAGS
from easypay.ledger.errors import (
    AccountNotFound,
    ChainFailed,
    InsufficientFunds,
    LedgerError,
    TransferKeyReused,
)
from easypay.ledger.schemas import TransferRequest, TransferResult
from easypay.models import (
    CREDITS_MUST_NOT_EXCEED_DEBITS,
    DEBITS_MUST_NOT_EXCEED_CREDITS,
    LedgerTransfer,
)
from tests.ledger.builders import ON_POSTGRES, sums

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="the fast path is PL/pgSQL, PostgreSQL only (make test-postgres runs it)",
)

# The accounts of a world, in creation order (so both worlds order their ids alike):
# (code, unit, flags, shard). Bank clearing is where money comes from, so the stored-value
# invariant holds whatever the random transfers do.
ACCOUNTS = [
    (BANK_CLEARING, "KRW", 0, 0),
    (BANK_CLEARING, "KRW", CREDITS_MUST_NOT_EXCEED_DEBITS, 1),
    (USER_WALLET, "KRW", WALLET_FLAGS, 0),
    (USER_WALLET, "KRW", WALLET_FLAGS, 1),
    (USER_WALLET, "KRW", WALLET_FLAGS, 2),
    (USER_WALLET, "KRW", WALLET_FLAGS, 3),
    (USER_WALLET, "KRW", WALLET_FLAGS, 4),
    (FEE_REVENUE, "KRW", DEBITS_MUST_NOT_EXCEED_CREDITS, 0),
    (BANK_CLEARING, "POINT", 0, 0),
    (USER_WALLET, "POINT", WALLET_FLAGS, 0),
]
FUNDED = {2: 5_000, 3: 3_000, 4: 800, 5: 200, 9: 1_000}  # index → opening balance
MISSING_BELOW, MISSING_ABOVE = -7, 10**12  # ids no account has: below and above all others
AMOUNTS_OUT_OF_RANGE = [0, -5, postgres.MAX_AMOUNT + 1, True, 2.5]


@dataclass(frozen=True)
class Abstract:
    """A request in terms of account positions (a world maps them to ids) and a plain key."""

    debit: int  # index into ACCOUNTS, or MISSING_BELOW / MISSING_ABOVE
    credit: int
    amount: Any
    key: str
    unit: str = "KRW"
    pending: bool = False
    cap: int | None = None
    code: str = "test_fast_path"
    reference: str = ""


class World:
    def __init__(self, name: str, owner: int) -> None:
        self.name = name
        self.owner = owner
        self.ids: list[int] = []
        self.first_made_by: dict[int, str] = {}  # transfer id → key of the request that made it

    def account(self, index: int) -> int:
        return index if index in (MISSING_BELOW, MISSING_ABOVE) else self.ids[index]

    def position(self, account_id: int) -> int:
        return self.ids.index(account_id)

    def request(self, abstract: Abstract) -> TransferRequest:
        expires_at = clock.now() + timedelta(days=1) if abstract.pending else None
        return TransferRequest(
            self.account(abstract.debit),
            self.account(abstract.credit),
            abstract.amount,
            abstract.code,
            unit=abstract.unit,
            pending=abstract.pending,
            expires_at=expires_at,
            reference=abstract.reference,
            key=f"{self.name}-{abstract.key}",
            credit_cap=abstract.cap,
        )

    def describe(self, result: TransferResult) -> tuple[Any, ...]:
        """What a caller sees, with world-specific ids and keys made comparable."""
        if result.error is not None:
            return ("refused", type(result.error).__name__, str(result.error), result.error.status)
        transfer = result.transfer
        assert isinstance(transfer, LedgerTransfer)
        key = transfer.transfer_key.removeprefix(f"{self.name}-")
        replayed = transfer.id in self.first_made_by
        made_by = self.first_made_by.setdefault(transfer.id, key)
        return (
            "replayed" if replayed else "made",
            made_by,  # the key of the request that made the transfer
            key,
            transfer.kind,
            self.position(transfer.debit_account_id),
            self.position(transfer.credit_account_id),
            transfer.amount,
            transfer.unit,
            transfer.pending_id,
            transfer.expires_at,
            transfer.code,
            transfer.reference,
            transfer.created_at,
        )


async def _open_world(database, name: str, owner: int) -> World:
    world = World(name, owner)
    async with database.transaction() as session:
        for code, unit, flags, shard in ACCOUNTS:
            account = await ledger.open_account(session, code, unit, owner, flags, shard)
            world.ids.append(account.id)
        funding = [
            TransferRequest(
                world.ids[8 if ACCOUNTS[index][1] == "POINT" else 0],
                world.ids[index],
                amount,
                "test_funding",
                unit=ACCOUNTS[index][1],
            )
            for index, amount in FUNDED.items()
        ]
        results = await ledger.create_transfers(session, funding)
        assert all(result.ok for result in results)
    return world


@pytest.fixture
async def worlds(database, fake_clock) -> tuple[World, World]:
    """The generic world and the fast world, alike; the clock stands still, so both stamp the
    same created_at."""
    return await _open_world(database, "generic", 910_001), await _open_world(
        database, "fast", 910_002
    )


async def _balances(database, world: World) -> list[tuple[int, ...]]:
    found = await sums(database, world.ids)
    return [found[account_id] for account_id in world.ids]


def _random_requests(rng: random.Random, count: int, used: list[Abstract]) -> list[Abstract]:
    """Mostly plausible transfers, with every kind of trouble mixed in. `used` holds the requests
    of earlier batches (their keys are in the table now) and grows with this batch."""
    requests: list[Abstract] = []
    for number in range(count):
        roll = rng.random()
        earlier = used + requests
        if roll < 0.15 and earlier:  # the same transfer again, maybe with another reference
            again = rng.choice(earlier)
            if rng.random() < 0.5:
                again = replace(again, reference=f"again-{number}")
            requests.append(again)
        elif roll < 0.25 and earlier:  # a key used before, for something else
            requests.append(_changed(rng, rng.choice(earlier)))
        else:
            requests.append(_fresh(rng, key=f"k{len(earlier)}-{rng.randrange(10**9)}"))
    used.extend(requests)
    return requests


def _fresh(rng: random.Random, key: str) -> Abstract:
    unit = "POINT" if rng.random() < 0.15 else "KRW"
    accounts = [i for i, (_, u, _, _) in enumerate(ACCOUNTS) if u == unit or rng.random() < 0.1]
    debit, credit = rng.sample(accounts, 2)
    trouble = rng.random()
    if trouble < 0.03:
        credit = debit  # an account paying itself
    elif trouble < 0.06:
        debit = rng.choice([MISSING_BELOW, MISSING_ABOVE])
    elif trouble < 0.09:
        credit = rng.choice([MISSING_BELOW, MISSING_ABOVE])
    amount: Any = rng.randint(1, 300) if rng.random() < 0.85 else rng.randint(300, 3_000)
    if rng.random() < 0.04:
        amount = rng.choice(AMOUNTS_OUT_OF_RANGE)
    elif rng.random() < 0.01:
        amount = postgres.MAX_AMOUNT
    return Abstract(
        debit,
        credit,
        amount,
        key,
        unit=unit,
        pending=rng.random() < 0.2,
        cap=rng.choice([None] * 6 + [1_000, 3_500, 10**9]),
        reference=rng.choice(["", "order-1", "order-2"]),
    )


def _changed(rng: random.Random, other: Abstract) -> Abstract:
    """Another transfer under the key of `other`."""
    change = rng.choice(["amount", "credit", "code", "pending", "unit"])
    if change == "amount" and type(other.amount) is int:
        return replace(other, amount=other.amount + 1)
    if change == "credit":
        return replace(other, credit=rng.choice([c for c in FUNDED if c != other.debit]))
    if change == "pending":
        return replace(other, pending=not other.pending)
    if change == "unit":
        return replace(other, unit="POINT" if other.unit == "KRW" else "KRW")
    return replace(other, code="another_purpose")


async def _batch_both(database, worlds, abstract: list[Abstract], atomic: bool = False) -> None:
    generic, fast = worlds
    answers = []
    for world, apply in (
        (generic, lambda s, r: ledger.portable_create_transfers(s, r, atomic=atomic)),
        (fast, lambda s, r: postgres.apply_batch(s, r, atomic=atomic)),
    ):
        requests = [world.request(a) for a in abstract]
        try:
            async with database.transaction() as session:
                results = await apply(session, requests)
            answers.append([world.describe(result) for result in results])
        except ChainFailed as error:
            answers.append([("chain failed", str(error))])
    assert answers[1] == answers[0]
    assert await _balances(database, fast) == await _balances(database, generic)


class TestSameAnswersAsTheGenericPath:
    @pytest.mark.parametrize("seed", range(6))
    async def test_random_batches(self, database, worlds, seed):
        rng = random.Random(seed)
        used: list[Abstract] = []
        for _ in range(8):
            await _batch_both(database, worlds, _random_requests(rng, rng.randint(1, 40), used))

    @pytest.mark.parametrize("seed", range(3))
    async def test_random_chains(self, database, worlds, seed):
        rng = random.Random(100 + seed)
        used: list[Abstract] = []
        for _ in range(12):
            chain = _random_requests(rng, rng.randint(1, 4), used)
            await _batch_both(database, worlds, chain, atomic=True)

    @pytest.mark.parametrize("seed", range(3))
    async def test_random_single_transfers(self, database, worlds, seed):
        rng = random.Random(200 + seed)
        used: list[Abstract] = []
        generic, fast = worlds
        for _ in range(4):
            batch = _random_requests(rng, 25, used)
            answers = []
            for world, apply in ((generic, ledger.portable_transfer), (fast, postgres.apply_one)):
                described = []
                async with database.transaction() as session:  # refusals leave it usable
                    for abstract in batch:
                        try:
                            made = await apply(session, world.request(abstract))
                            described.append(world.describe(TransferResult(made)))
                        except LedgerError as error:
                            described.append(world.describe(TransferResult(None, error)))
                answers.append(described)
            assert answers[1] == answers[0]
            assert await _balances(database, fast) == await _balances(database, generic)


class TestBatch:
    async def test_each_transfer_sees_the_ones_before_it(self, database, worlds):
        _, fast = worlds
        alice, bob = fast.ids[5], fast.ids[6]  # alice holds 200
        requests = [
            TransferRequest(alice, bob, 150, "test"),
            TransferRequest(alice, bob, 100, "test"),  # 50 left: refused
            TransferRequest(bob, alice, 60, "test"),
            TransferRequest(alice, bob, 100, "test"),  # 110 left: goes through
        ]
        async with database.transaction() as session:
            results = await postgres.apply_batch(session, requests)
        assert [r.ok for r in results] == [True, False, True, True]
        assert isinstance(results[1].error, InsufficientFunds)
        balances = await _balances(database, fast)
        assert balances[5][3] - balances[5][1] == 10

    async def test_a_key_twice_in_one_batch_is_made_once(self, database, worlds):
        _, fast = worlds
        first = TransferRequest(fast.ids[2], fast.ids[3], 100, "test", key="twice")
        other = TransferRequest(fast.ids[2], fast.ids[4], 100, "test", key="twice")
        async with database.transaction() as session:
            results = await postgres.apply_batch(session, [first, first, other])
        made, again, reused = results
        assert made.transfer is not None
        assert again.transfer is not None
        assert again.transfer.id == made.transfer.id
        assert isinstance(reused.error, TransferKeyReused)
        assert (await _balances(database, fast))[2][1] == 100

    async def test_a_refusal_does_not_stop_the_others(self, database, worlds):
        _, fast = worlds
        requests = [
            TransferRequest(fast.ids[2], MISSING_ABOVE, 10, "test"),
            TransferRequest(fast.ids[2], fast.ids[3], 10, "test"),
        ]
        async with database.transaction() as session:
            results = await postgres.apply_batch(session, requests)
        assert isinstance(results[0].error, AccountNotFound)
        assert results[1].ok

    async def test_an_empty_batch(self, database, worlds):
        async with database.transaction() as session:
            assert await postgres.apply_batch(session, []) == []

    async def test_a_key_committed_meanwhile_by_another_transaction(self, database, worlds):
        """The batch waits for the other transaction's insert of the same key, then answers as
        if that transfer had been there all along."""
        _, fast = worlds
        theirs = TransferRequest(fast.ids[2], fast.ids[3], 100, "test", key="raced")
        ours = [
            TransferRequest(fast.ids[4], fast.ids[7], 5, "test"),
            TransferRequest(fast.ids[4], fast.ids[7], 5, "test", key="raced"),
            TransferRequest(fast.ids[7], fast.ids[4], 1, "test"),
        ]
        async with database.transaction() as session:
            await ledger.transfer(session, theirs)
            batch = asyncio.create_task(_apply_batch_alone(database, ours))
            await asyncio.sleep(0.3)
            assert not batch.done()  # waiting for the key's index entry
        results = await batch
        assert [type(result.error) for result in results] == [
            type(None),
            TransferKeyReused,
            type(None),
        ]
        balances = await _balances(database, fast)
        assert balances[4][1] == 5
        assert balances[4][3] == 800 + 1
        assert balances[2][1] == 100

    async def test_a_batch_and_a_void_do_not_deadlock(self, database, worlds):
        """The batch locks its accounts FOR NO KEY UPDATE, which lets the foreign-key checks of
        a concurrent void through: a batch holding `a` and waiting for `c` (busy), and a void of
        a hold a → c checking its foreign keys (c, then a), both finish."""
        _, fast = worlds
        a, b, c = fast.ids[2], fast.ids[3], fast.ids[4]
        async with database.transaction() as session:
            hold = await ledger.transfer(session, TransferRequest(a, c, 100, "test", pending=True))

        async def void() -> None:
            async with database.transaction() as session:
                await ledger.void(session, hold.id)

        async with database.transaction() as busy:
            await ledger.transfer(busy, TransferRequest(b, c, 1, "test"))
            batching = asyncio.create_task(
                _apply_batch_alone(
                    database, [TransferRequest(a, c, 1, "test"), TransferRequest(c, a, 1, "test")]
                )
            )
            await asyncio.sleep(0.3)
            voiding = asyncio.create_task(void())
            await asyncio.sleep(0.3)
        results = await asyncio.gather(batching, voiding, return_exceptions=True)
        assert not any(isinstance(result, BaseException) for result in results)
        balances = await _balances(database, fast)
        assert balances[2][0] == 0  # the hold is released


async def _apply_batch_alone(database, requests: list[TransferRequest]) -> list[TransferResult]:
    async with database.transaction() as session:
        return await postgres.apply_batch(session, requests)


class TestKeys:
    async def test_replay_after_the_balance_was_spent_returns_the_transfer(self, database, worlds):
        _, fast = worlds
        alice, bob = fast.ids[5], fast.ids[6]  # alice holds 200
        request = TransferRequest(alice, bob, 200, "test", key="spend-all")
        async with database.transaction() as session:
            first = await postgres.apply_one(session, request)
        async with database.transaction() as session:
            again = await postgres.apply_one(session, request)
            batch = await postgres.apply_batch(session, [request, replace(request, amount=1)])
        assert again.id == first.id
        assert batch[0].transfer is not None
        assert batch[0].transfer.id == first.id
        assert isinstance(batch[1].error, TransferKeyReused)
        assert (await _balances(database, fast))[6][3] == 200

    async def test_a_refused_transfer_under_a_taken_key_is_key_reused(self, database, worlds):
        _, fast = worlds
        alice, bob = fast.ids[2], fast.ids[3]
        async with database.transaction() as session:
            await postgres.apply_one(session, TransferRequest(alice, bob, 10, "test", key="k"))
        refused = TransferRequest(alice, MISSING_ABOVE, 10, "test", key="k")
        async with database.transaction() as session:
            results = await postgres.apply_batch(session, [refused])
            with pytest.raises(TransferKeyReused):
                await postgres.apply_one(session, refused)
        assert isinstance(results[0].error, TransferKeyReused)


class TestContract:
    @pytest.mark.no_database
    def test_the_largest_amount_is_the_services(self):
        assert postgres.MAX_AMOUNT == ledger.MAX_AMOUNT
