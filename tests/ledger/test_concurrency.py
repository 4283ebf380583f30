"""The ledger under concurrent writers, each in its own transaction (specs/ledger.md, "Tests to
copy"): double spend, many resolvers of one hold, a deadlock hunt and Jepsen's bank test."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta

from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.ledger.accounts import MERCHANT_PAYABLES, Balance
from easypay.ledger.errors import InsufficientFunds, LedgerError
from easypay.ledger.schemas import TransferRequest
from tests.ledger.builders import (
    balance,
    open_wallet,
    open_wallets,
    sums,
    transfer,
    void_open_holds,
)


def spend(debit: int, credit: int, amount: int, **fields) -> TransferRequest:
    return TransferRequest(debit, credit, amount, "test_spend", **fields)


async def outcome(database, action) -> str:
    """Run `action(session)` in its own transaction; the name of its refusal, or "ok"."""
    try:
        async with database.transaction() as session:
            await action(session)
    except LedgerError as error:
        return type(error).__name__
    return "ok"


async def merchant_account(database) -> int:
    async with database.transaction() as session:
        return await ledger.system_account_id(session, MERCHANT_PAYABLES, shard=0)


class TestDoubleSpend:
    async def test_concurrent_spends_beyond_the_balance(self, database):
        funds, attempts = 10, 40
        wallet = await open_wallet(database, funds)
        merchant = await merchant_account(database)
        results = await asyncio.gather(
            *(
                outcome(database, lambda s: ledger.transfer(s, spend(wallet, merchant, 1)))
                for _ in range(attempts)
            )
        )
        assert Counter(results) == {"ok": funds, "InsufficientFunds": attempts - funds}
        assert await balance(database, wallet) == Balance(posted=0, available=0, incoming=0)

    async def test_concurrent_holds_beyond_the_balance(self, database):
        funds, attempts = 10, 40
        wallet, payee = await open_wallet(database, funds), await open_wallet(database)
        expires_at = clock.now() + timedelta(minutes=10)
        requests = [
            spend(wallet, payee, 1, pending=True, expires_at=expires_at) for _ in range(attempts)
        ]
        results = await asyncio.gather(
            *(outcome(database, lambda s, r=r: ledger.transfer(s, r)) for r in requests)
        )
        assert Counter(results) == {"ok": funds, "InsufficientFunds": attempts - funds}
        assert await balance(database, wallet) == Balance(posted=funds, available=0, incoming=0)
        assert (await balance(database, payee)).incoming == funds
        await void_open_holds(database)
        assert await balance(database, wallet) == Balance(posted=funds, available=funds, incoming=0)

    async def test_concurrent_replays_of_one_key_apply_once(self, database):
        wallet, payee = await open_wallet(database, 1_000), await open_wallet(database)
        request = spend(wallet, payee, 100, key="one-key")
        results = await asyncio.gather(
            *(outcome(database, lambda s: ledger.transfer(s, request)) for _ in range(20))
        )
        assert results == ["ok"] * 20
        assert (await balance(database, payee)).posted == 100
        assert (await balance(database, wallet)).posted == 900


class TestManyResolvers:
    async def test_exactly_one_resolver_wins(self, database):
        payer, payee = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(
            database,
            spend(payer, payee, 4_000, pending=True, expires_at=clock.now() + timedelta(hours=1)),
        )
        rng = random.Random(7)
        choices = [rng.choice(["post", "partial", "void"]) for _ in range(30)]

        async def resolve(index: int, choice: str) -> tuple[str, str]:
            key = f"resolver-{index}"
            if choice == "post":
                action = lambda s: ledger.post(s, pending.id, key=key)  # noqa: E731
            elif choice == "partial":
                action = lambda s: ledger.post(s, pending.id, 1_000, key=key)  # noqa: E731
            else:
                action = lambda s: ledger.void(s, pending.id, key=key)  # noqa: E731
            return choice, await outcome(database, action)

        results = await asyncio.gather(*(resolve(i, c) for i, c in enumerate(choices)))
        winners = [choice for choice, result in results if result == "ok"]
        assert len(winners) == 1
        assert all(result in ("ok", "AlreadyResolved") for _, result in results)
        moved = {"post": 4_000, "partial": 1_000, "void": 0}[winners[0]]
        assert await balance(database, payer) == Balance(10_000 - moved, 10_000 - moved, 0)
        assert await balance(database, payee) == Balance(moved, moved, 0)

    async def test_concurrent_posts_with_the_default_key_apply_once(self, database):
        payer, payee = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, spend(payer, payee, 4_000, pending=True))
        posts = await asyncio.gather(*(self._post(database, pending.id) for _ in range(15)))
        assert len({p.id for p in posts}) == 1
        assert (await balance(database, payee)).posted == 4_000
        assert (await balance(database, payer)).posted == 6_000

    @staticmethod
    async def _post(database, pending_id: int):
        async with database.transaction() as session:
            return await ledger.post(session, pending_id)

    async def test_void_and_expire_race(self, database, fake_clock):
        payer, payee = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(
            database,
            spend(payer, payee, 4_000, pending=True, expires_at=clock.now() + timedelta(minutes=1)),
        )
        fake_clock.advance(minutes=2)

        async def expire_due() -> str:
            async with database.transaction() as session:
                return "ok" if await ledger.expire_due(session) else "none"

        results = await asyncio.gather(
            *(
                outcome(database, lambda s, i=i: ledger.void(s, pending.id, key=f"v{i}"))
                for i in range(5)
            ),
            *(expire_due() for _ in range(5)),
        )
        assert results.count("ok") == 1
        assert await balance(database, payer) == Balance(10_000, 10_000, 0)


class TestDeadlockHunt:
    async def test_random_multi_account_batches_never_deadlock(self, database):
        accounts = await open_wallets(database, 8, balance=100_000)
        before = await sums(database, accounts)
        total_before = sum(c - d for _, d, _, c in before.values())
        unexpected: list[BaseException] = []

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(15):
                try:
                    await self._one_random_step(database, rng, accounts)
                except LedgerError:
                    pass
                except Exception as error:  # noqa: BLE001 - a deadlock is what we hunt
                    unexpected.append(error)

        await asyncio.gather(*(worker(seed) for seed in range(8)))
        assert unexpected == []
        await void_open_holds(database)
        after = await sums(database, accounts)
        assert sum(c - d for _, d, _, c in after.values()) == total_before
        assert all(dp == 0 and cp == 0 for dp, _, cp, _ in after.values())

    async def test_a_batch_and_a_void_do_not_deadlock(self, database):
        """The interleaving the random hunt found, step by step: a batch holds `a` and waits for
        `c` (busy with a single transfer) while the void of a hold a → c checks its foreign keys,
        credit `c` then debit `a`; when the single transfer commits, neither may wait for the
        other."""
        a, b, c = sorted(await open_wallets(database, 3, balance=1_000_000))
        hold = await transfer(database, spend(a, c, 100, pending=True))

        async def batch() -> None:
            async with database.transaction() as session:
                await ledger.create_transfers(session, [spend(a, c, 1), spend(c, a, 1)])

        async def void() -> None:
            async with database.transaction() as session:
                await ledger.void(session, hold.id)

        async with database.transaction() as busy:
            await ledger.transfer(busy, spend(b, c, 1))
            batching = asyncio.create_task(batch())
            await asyncio.sleep(0.3)
            voiding = asyncio.create_task(void())
            await asyncio.sleep(0.3)
        results = await asyncio.gather(batching, voiding, return_exceptions=True)
        assert results == [None, None]
        assert (await balance(database, a)).available == 1_000_000

    @staticmethod
    async def _one_random_step(database, rng: random.Random, accounts: list[int]) -> None:
        kind = rng.choice(["batch", "chain", "single", "hold"])
        size = rng.randint(2, 6)
        requests = []
        for _ in range(size):
            debit, credit = rng.sample(accounts, 2)
            requests.append(spend(debit, credit, rng.randint(1, 5_000)))
        rng.shuffle(requests)
        async with database.transaction() as session:
            if kind == "batch":
                await ledger.create_transfers(session, requests)
            elif kind == "chain":
                await ledger.create_transfers(session, requests, atomic=True)
            elif kind == "single":
                await ledger.transfer(session, requests[0])
            else:
                debit, credit = requests[0].debit_account_id, requests[0].credit_account_id
                made = await ledger.transfer(
                    session, spend(debit, credit, requests[0].amount, pending=True)
                )
                pending_id = made.id
        if kind == "hold":
            # resolve it in another transaction, as a capture would
            async with database.transaction() as session:
                if rng.random() < 0.5:
                    await ledger.post(session, pending_id, rng.randint(1, requests[0].amount))
                else:
                    await ledger.void(session, pending_id)


class TestBankTest:
    """Jepsen's bank test: random concurrent transfers among accounts while readers take
    snapshots; every snapshot sums to the constant total and shows nothing overdrawn."""

    async def test_snapshots_always_sum_to_the_total(self, database):
        accounts = await open_wallets(database, 10, balance=10_000)
        total = 10 * 10_000
        stop = asyncio.Event()
        snapshots: list[dict[int, tuple[int, ...]]] = []
        refusals: Counter[str] = Counter()

        async def writer(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(25):
                debit, credit = rng.sample(accounts, 2)
                request = spend(debit, credit, rng.randint(1, 6_000))
                refusals[await outcome(database, lambda s, r=request: ledger.transfer(s, r))] += 1

        async def reader() -> None:
            while not stop.is_set():
                snapshots.append(await sums(database, accounts))
                await asyncio.sleep(0)

        readers = [asyncio.create_task(reader()) for _ in range(3)]
        await asyncio.gather(*(writer(seed) for seed in range(8)))
        stop.set()
        await asyncio.gather(*readers)
        snapshots.append(await sums(database, accounts))

        assert refusals["ok"] > 0
        assert set(refusals) <= {"ok", InsufficientFunds.__name__}
        assert len(snapshots) > 3
        for snapshot in snapshots:
            balances = [c_posted - d_posted for _, d_posted, _, c_posted in snapshot.values()]
            assert sum(balances) == total
            assert min(balances) >= 0
