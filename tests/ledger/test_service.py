"""The ledger write path: transfers, holds and their resolution, keys, caps, batches, chains.

Refusals are caught inside a transaction that then commits (`refusal`), so a refusal that left
half a change behind would show in the balances.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from easypay.kit.clock import clock
from easypay.ledger import service as ledger
from easypay.ledger.accounts import MERCHANT_PAYABLES
from easypay.ledger.errors import (
    AccountNotFound,
    AlreadyResolved,
    CapExceeded,
    ChainFailed,
    InsufficientFunds,
    InvalidAmount,
    PendingExpired,
    PendingNotFound,
    TransferKeyReused,
    UnitMismatch,
)
from easypay.ledger.schemas import TransferRequest
from easypay.ledger.service import MAX_AMOUNT
from tests.ledger.builders import (
    balance,
    fund,
    open_wallet,
    refusal,
    sums,
    transfer,
    transfer_count,
)


def send(debit: int, credit: int, amount: int, **fields) -> TransferRequest:
    return TransferRequest(debit, credit, amount, "test_transfer", **fields)


def hold(
    debit: int, credit: int, amount: int, minutes: int | None = 10, **fields
) -> TransferRequest:
    expires_at = None if minutes is None else clock.now() + timedelta(minutes=minutes)
    return TransferRequest(
        debit, credit, amount, "test_hold", pending=True, expires_at=expires_at, **fields
    )


class TestTransfer:
    async def test_moves_money_between_wallets(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        made = await transfer(database, send(alice, bob, 3_000))
        assert made.id is not None
        assert made.kind == "single"
        assert (await balance(database, alice)).posted == 7_000
        assert (await balance(database, bob)).posted == 3_000

    async def test_can_spend_the_whole_balance(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        await transfer(database, send(alice, bob, 10_000))
        assert (await balance(database, alice)).available == 0

    async def test_insufficient_funds_changes_nothing(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        before = await sums(database, [alice, bob])
        error = await refusal(database, lambda s: ledger.transfer(s, send(alice, bob, 10_001)))
        assert isinstance(error, InsufficientFunds)
        assert error.status == 402
        assert await sums(database, [alice, bob]) == before

    async def test_a_wallet_with_nothing_cannot_pay(self, database):
        alice, bob = await open_wallet(database), await open_wallet(database)
        error = await refusal(database, lambda s: ledger.transfer(s, send(alice, bob, 1)))
        assert isinstance(error, InsufficientFunds)

    async def test_an_unknown_account_is_refused(self, database):
        alice = await open_wallet(database, 1_000)
        before = await sums(database, [alice])
        error = await refusal(database, lambda s: ledger.transfer(s, send(alice, 987_654, 100)))
        assert isinstance(error, AccountNotFound)
        error = await refusal(database, lambda s: ledger.transfer(s, send(987_654, alice, 100)))
        assert isinstance(error, AccountNotFound)
        assert await sums(database, [alice]) == before

    async def test_an_account_cannot_pay_itself(self, database):
        alice = await open_wallet(database, 1_000)
        error = await refusal(database, lambda s: ledger.transfer(s, send(alice, alice, 100)))
        assert isinstance(error, InvalidAmount)
        assert (await balance(database, alice)).posted == 1_000

    async def test_the_largest_amount_is_accepted(self, database):
        alice, bob = await open_wallet(database, MAX_AMOUNT), await open_wallet(database)
        await transfer(database, send(alice, bob, MAX_AMOUNT))
        assert (await balance(database, bob)).posted == MAX_AMOUNT

    @pytest.mark.parametrize(
        "amount",
        [0, -1, -10_000, MAX_AMOUNT + 1, 2**63, 1.5, 100.0, "100", True, None],
        ids=repr,
    )
    async def test_invalid_amounts_are_refused(self, database, amount):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        before = await sums(database, [alice, bob])
        error = await refusal(database, lambda s: ledger.transfer(s, send(alice, bob, amount)))
        assert isinstance(error, InvalidAmount)
        assert error.status == 422
        error = await refusal(database, lambda s: ledger.transfer(s, hold(alice, bob, amount)))
        assert isinstance(error, InvalidAmount)
        assert await sums(database, [alice, bob]) == before
        assert await transfer_count(database) == 1  # the funding


class TestUnits:
    async def test_credit_account_in_another_unit_is_refused(self, database):
        alice, points = await open_wallet(database, 10_000), await open_wallet(database, 0, "POINT")
        before = await sums(database, [alice, points])
        error = await refusal(database, lambda s: ledger.transfer(s, send(alice, points, 100)))
        assert isinstance(error, UnitMismatch)
        assert await sums(database, [alice, points]) == before

    async def test_debit_account_in_another_unit_is_refused(self, database):
        points, bob = await open_wallet(database, 10_000, "POINT"), await open_wallet(database)
        before = await sums(database, [points, bob])
        error = await refusal(database, lambda s: ledger.transfer(s, send(points, bob, 100)))
        assert isinstance(error, UnitMismatch)
        assert await sums(database, [points, bob]) == before

    async def test_transfer_unit_must_match_both_accounts(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        error = await refusal(
            database, lambda s: ledger.transfer(s, send(alice, bob, 100, unit="POINT"))
        )
        assert isinstance(error, UnitMismatch)
        assert (await balance(database, alice)).posted == 10_000

    async def test_points_move_between_point_accounts(self, database):
        alice = await open_wallet(database, 500, "POINT")
        bob = await open_wallet(database, 0, "POINT")
        await transfer(database, send(alice, bob, 200, unit="POINT"))
        assert (await balance(database, bob)).posted == 200


class TestTransferKey:
    async def test_replayed_key_returns_the_same_transfer_applied_once(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        request = send(alice, bob, 1_000, key="order-42")
        first = await transfer(database, request)
        again = await transfer(database, request)
        assert again.id == first.id
        assert (await balance(database, alice)).posted == 9_000
        assert (await balance(database, bob)).posted == 1_000

    async def test_replay_in_the_same_transaction_is_applied_once(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        request = send(alice, bob, 1_000, key="order-43")
        async with database.transaction() as session:
            first = await ledger.transfer(session, request)
            again = await ledger.transfer(session, request)
        assert again.id == first.id
        assert (await balance(database, alice)).posted == 9_000

    async def test_replay_after_the_balance_was_spent_returns_the_transfer(self, database):
        alice, bob = await open_wallet(database, 1_000), await open_wallet(database)
        request = send(alice, bob, 1_000, key="order-44")
        first = await transfer(database, request)
        async with database.transaction() as session:
            again = await ledger.transfer(session, request)
        assert again.id == first.id
        assert (await balance(database, bob)).posted == 1_000

    @pytest.mark.parametrize(
        "changed",
        [
            {"amount": 1_001},
            {"code": "another_purpose"},
            {"pending": True},
        ],
        ids=["amount", "code", "kind"],
    )
    async def test_same_key_with_different_fields_is_refused(self, database, changed):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        await transfer(database, send(alice, bob, 1_000, key="order-45"))
        before = await sums(database, [alice, bob])
        fields = {"amount": 1_000, "code": "test_transfer", **changed}
        request = TransferRequest(alice, bob, key="order-45", **fields)
        error = await refusal(database, lambda s: ledger.transfer(s, request))
        assert isinstance(error, TransferKeyReused)
        assert error.status == 409
        assert await sums(database, [alice, bob]) == before

    async def test_same_key_for_more_than_the_balance_is_reused_not_insufficient(self, database):
        alice, bob = await open_wallet(database, 1_000), await open_wallet(database)
        await transfer(database, send(alice, bob, 1_000, key="order-47"))
        error = await refusal(
            database, lambda s: ledger.transfer(s, send(alice, bob, 5_000, key="order-47"))
        )
        assert isinstance(error, TransferKeyReused)
        assert (await balance(database, bob)).posted == 1_000

    async def test_same_key_to_another_account_is_refused(self, database):
        alice, bob, carol = [await open_wallet(database, 10_000) for _ in range(3)]
        await transfer(database, send(alice, bob, 1_000, key="order-46"))
        error = await refusal(
            database, lambda s: ledger.transfer(s, send(alice, carol, 1_000, key="order-46"))
        )
        assert isinstance(error, TransferKeyReused)
        assert (await balance(database, carol)).posted == 10_000


class TestHolds:
    async def test_hold_reserves_without_moving(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        assert pending.kind == "pending"
        payer, payee = await balance(database, alice), await balance(database, bob)
        assert (payer.posted, payer.available) == (10_000, 6_000)
        assert (payee.posted, payee.available, payee.incoming) == (0, 0, 4_000)

    async def test_holds_count_against_the_available_balance(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        await transfer(database, hold(alice, bob, 6_000))
        await transfer(database, hold(alice, bob, 4_000))
        before = await sums(database, [alice, bob])
        error = await refusal(database, lambda s: ledger.transfer(s, hold(alice, bob, 1)))
        assert isinstance(error, InsufficientFunds)
        error = await refusal(database, lambda s: ledger.transfer(s, send(alice, bob, 1)))
        assert isinstance(error, InsufficientFunds)
        assert await sums(database, [alice, bob]) == before

    async def test_held_incoming_money_cannot_be_spent(self, database):
        alice, bob, carol = [await open_wallet(database) for _ in range(3)]
        await fund(database, alice, 5_000)
        await transfer(database, hold(alice, bob, 5_000))
        error = await refusal(database, lambda s: ledger.transfer(s, send(bob, carol, 1)))
        assert isinstance(error, InsufficientFunds)


class TestPost:
    async def test_post_in_full_moves_the_held_money(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        async with database.transaction() as session:
            posted = await ledger.post(session, pending.id)
        assert (posted.kind, posted.amount, posted.pending_id) == ("post", 4_000, pending.id)
        payer, payee = await balance(database, alice), await balance(database, bob)
        assert (payer.posted, payer.available) == (6_000, 6_000)
        assert (payee.posted, payee.incoming) == (4_000, 0)

    async def test_partial_post_releases_the_rest(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        async with database.transaction() as session:
            posted = await ledger.post(session, pending.id, 1_500)
        assert posted.amount == 1_500
        payer, payee = await balance(database, alice), await balance(database, bob)
        assert (payer.posted, payer.available) == (8_500, 8_500)
        assert (payee.posted, payee.incoming) == (1_500, 0)

    async def test_cannot_post_more_than_was_held(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        before = await sums(database, [alice, bob])
        error = await refusal(database, lambda s: ledger.post(s, pending.id, 4_001))
        assert isinstance(error, InvalidAmount)
        assert await sums(database, [alice, bob]) == before

    @pytest.mark.parametrize("amount", [0, -5, 1.5, "100"], ids=repr)
    async def test_post_amount_must_be_positive_whole(self, database, amount):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        error = await refusal(database, lambda s: ledger.post(s, pending.id, amount))
        assert isinstance(error, InvalidAmount)
        assert (await balance(database, alice)).available == 6_000

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ("post", "void"),
            ("void", "post"),
            ("post", "post"),
            ("void", "void"),
            ("partial", "post"),
        ],
    )
    async def test_a_hold_is_resolved_at_most_once(self, database, first, second):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        resolve = {
            "post": lambda s, key: ledger.post(s, pending.id, key=key),
            "partial": lambda s, key: ledger.post(s, pending.id, 1_000, key=key),
            "void": lambda s, key: ledger.void(s, pending.id, key=key),
        }
        async with database.transaction() as session:
            await resolve[first](session, "first-resolver")
        before = await sums(database, [alice, bob])
        error = await refusal(database, lambda s: resolve[second](s, "second-resolver"))
        assert isinstance(error, AlreadyResolved)
        assert error.status == 409
        assert await sums(database, [alice, bob]) == before

    async def test_a_second_default_post_is_refused_when_the_amount_differs(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        async with database.transaction() as session:
            await ledger.post(session, pending.id, 1_000)
        error = await refusal(database, lambda s: ledger.post(s, pending.id, 2_000))
        assert isinstance(error, AlreadyResolved)
        assert (await balance(database, bob)).posted == 1_000

    async def test_replayed_post_with_the_same_key_returns_the_same_post(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        async with database.transaction() as session:
            first = await ledger.post(session, pending.id, 3_000, key="capture-1")
        async with database.transaction() as session:
            again = await ledger.post(session, pending.id, 3_000, key="capture-1")
        assert again.id == first.id
        assert (await balance(database, bob)).posted == 3_000
        assert (await balance(database, alice)).posted == 7_000

    async def test_replayed_post_after_expiry_returns_the_same_post(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000, minutes=10))
        async with database.transaction() as session:
            first = await ledger.post(session, pending.id, key="capture-2")
        fake_clock.advance(minutes=11)
        async with database.transaction() as session:
            again = await ledger.post(session, pending.id, key="capture-2")
        assert again.id == first.id

    async def test_post_after_expiry_is_refused(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000, minutes=10))
        fake_clock.advance(minutes=10)
        before = await sums(database, [alice, bob])
        error = await refusal(database, lambda s: ledger.post(s, pending.id))
        assert isinstance(error, PendingExpired)
        assert await sums(database, [alice, bob]) == before
        async with database.transaction() as session:
            assert await ledger.expire_due(session) == 1
        assert (await balance(database, alice)).available == 10_000

    async def test_post_just_before_expiry_goes_through(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000, minutes=10))
        fake_clock.advance(minutes=9, seconds=59)
        async with database.transaction() as session:
            await ledger.post(session, pending.id)
        assert (await balance(database, bob)).posted == 4_000

    async def test_only_pending_transfers_can_be_posted(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        single = await transfer(database, send(alice, bob, 1_000))
        error = await refusal(database, lambda s: ledger.post(s, single.id))
        assert isinstance(error, PendingNotFound)
        error = await refusal(database, lambda s: ledger.void(s, 987_654))
        assert isinstance(error, PendingNotFound)
        assert (await balance(database, bob)).posted == 1_000


class TestVoid:
    async def test_void_releases_the_hold(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000))
        async with database.transaction() as session:
            voided = await ledger.void(session, pending.id)
        assert voided.kind == "void"
        payer, payee = await balance(database, alice), await balance(database, bob)
        assert (payer.posted, payer.available) == (10_000, 10_000)
        assert (payee.posted, payee.incoming) == (0, 0)

    async def test_released_money_can_be_spent_again(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 10_000))
        async with database.transaction() as session:
            await ledger.void(session, pending.id)
        await transfer(database, send(alice, bob, 10_000))
        assert (await balance(database, bob)).posted == 10_000


class TestExpire:
    async def test_expire_releases_a_due_hold(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000, minutes=10))
        fake_clock.advance(minutes=11)
        async with database.transaction() as session:
            expired = await ledger.expire(session, pending.id)
        assert expired.kind == "expire"
        assert (await balance(database, alice)).available == 10_000
        assert (await balance(database, bob)).incoming == 0

    async def test_a_hold_not_yet_due_does_not_expire(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000, minutes=10))
        fake_clock.advance(minutes=5)
        error = await refusal(database, lambda s: ledger.expire(s, pending.id))
        assert isinstance(error, AlreadyResolved)
        assert (await balance(database, alice)).available == 6_000

    async def test_expire_after_post_is_refused(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        pending = await transfer(database, hold(alice, bob, 4_000, minutes=10))
        async with database.transaction() as session:
            await ledger.post(session, pending.id)
        fake_clock.advance(minutes=11)
        error = await refusal(database, lambda s: ledger.expire(s, pending.id))
        assert isinstance(error, AlreadyResolved)
        assert (await balance(database, bob)).posted == 4_000

    async def test_expire_due_expires_only_due_unresolved_holds(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        soon = await transfer(database, hold(alice, bob, 1_000, minutes=5))
        await transfer(database, hold(alice, bob, 2_000, minutes=60))
        await transfer(database, hold(alice, bob, 3_000, minutes=None))
        posted = await transfer(database, hold(alice, bob, 500, minutes=5))
        async with database.transaction() as session:
            await ledger.post(session, posted.id)
        fake_clock.advance(minutes=6)
        async with database.transaction() as session:
            assert await ledger.expire_due(session) == 1
        async with database.transaction() as session:
            assert await ledger.expire_due(session) == 0
        assert (await balance(database, alice)).available == 10_000 - 500 - 2_000 - 3_000
        error = await refusal(database, lambda s: ledger.void(s, soon.id))
        assert isinstance(error, AlreadyResolved)
        fake_clock.advance(minutes=60)
        async with database.transaction() as session:
            assert await ledger.expire_due(session) == 1
        assert (await balance(database, alice)).available == 10_000 - 500 - 3_000

    async def test_expire_due_respects_the_limit(self, database, fake_clock):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        for _ in range(5):
            await transfer(database, hold(alice, bob, 100, minutes=1))
        fake_clock.advance(minutes=2)
        async with database.transaction() as session:
            assert await ledger.expire_due(session, limit=3) == 3
        async with database.transaction() as session:
            assert await ledger.expire_due(session, limit=3) == 2

    async def test_expire_due_at_an_explicit_moment(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        await transfer(database, hold(alice, bob, 1_000, minutes=5))
        async with database.transaction() as session:
            later = clock.now() + timedelta(minutes=6)
            assert await ledger.expire_due(session, now=later) == 1


class TestCreditCap:
    async def test_credit_within_the_cap_goes_through(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database, 1_000)
        await transfer(database, send(alice, bob, 1_000, credit_cap=2_000))
        assert (await balance(database, bob)).posted == 2_000

    async def test_credit_above_the_cap_is_refused(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database, 1_000)
        before = await sums(database, [alice, bob])
        error = await refusal(
            database, lambda s: ledger.transfer(s, send(alice, bob, 1_001, credit_cap=2_000))
        )
        assert isinstance(error, CapExceeded)
        assert await sums(database, [alice, bob]) == before

    async def test_pending_credits_count_toward_the_cap(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database, 1_000)
        await transfer(database, hold(alice, bob, 600, credit_cap=2_000))
        error = await refusal(
            database, lambda s: ledger.transfer(s, send(alice, bob, 401, credit_cap=2_000))
        )
        assert isinstance(error, CapExceeded)
        await transfer(database, send(alice, bob, 400, credit_cap=2_000))
        assert (await balance(database, bob)).posted == 1_400
        assert (await balance(database, bob)).incoming == 600

    async def test_insufficient_funds_is_reported_before_the_cap(self, database):
        alice, bob = await open_wallet(database, 100), await open_wallet(database, 1_000)
        error = await refusal(
            database, lambda s: ledger.transfer(s, send(alice, bob, 5_000, credit_cap=2_000))
        )
        assert isinstance(error, InsufficientFunds | CapExceeded)
        assert (await balance(database, alice)).posted == 100


class TestCreateTransfers:
    async def test_mixed_batch_gives_one_result_each_and_applies_the_good(self, database):
        alice, bob, carol = [await open_wallet(database) for _ in range(3)]
        await fund(database, alice, 10_000)
        await fund(database, bob, 500)
        points = await open_wallet(database, 0, "POINT")
        requests = [
            send(alice, bob, 1_000),  # ok
            send(bob, carol, 5_000),  # bob has only 1,500 by now
            send(alice, carol, 2_000),  # ok
            send(alice, points, 10),  # unit mismatch
            send(alice, 987_654, 10),  # no such account
            send(carol, bob, 2_000),  # ok: carol received 2,000 above
        ]
        async with database.transaction() as session:
            results = await ledger.create_transfers(session, requests)
        assert [r.ok for r in results] == [True, False, True, False, False, True]
        assert isinstance(results[1].error, InsufficientFunds)
        assert isinstance(results[3].error, UnitMismatch)
        assert isinstance(results[4].error, AccountNotFound)
        assert all(r.transfer is not None for r in results if r.ok)
        assert (await balance(database, alice)).posted == 7_000
        assert (await balance(database, bob)).posted == 3_500
        assert (await balance(database, carol)).posted == 0
        assert (await balance(database, points)).posted == 0

    async def test_invalid_amounts_in_a_batch_fail_alone(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        requests = [send(alice, bob, 0), send(alice, bob, 100), send(alice, bob, -3)]
        async with database.transaction() as session:
            results = await ledger.create_transfers(session, requests)
        assert [type(r.error) for r in results] == [InvalidAmount, type(None), InvalidAmount]
        assert (await balance(database, bob)).posted == 100

    async def test_a_key_repeated_in_a_batch_is_applied_once(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        request = send(alice, bob, 100, key="batch-dup")
        async with database.transaction() as session:
            results = await ledger.create_transfers(session, [request, request])
        assert results[0].transfer is not None
        assert results[1].transfer is not None
        assert results[0].transfer.id == results[1].transfer.id
        assert (await balance(database, bob)).posted == 100

    async def test_holds_and_transfers_mix_in_a_batch(self, database):
        alice, bob = await open_wallet(database, 1_000), await open_wallet(database)
        requests = [hold(alice, bob, 600), send(alice, bob, 500), send(alice, bob, 400)]
        async with database.transaction() as session:
            results = await ledger.create_transfers(session, requests)
        assert [r.ok for r in results] == [True, False, True]
        assert (await balance(database, alice)).available == 0

    async def test_empty_batch(self, database):
        async with database.transaction() as session:
            assert await ledger.create_transfers(session, []) == []


class TestChain:
    async def test_a_good_chain_is_applied_whole(self, database):
        alice, bob, carol = [await open_wallet(database) for _ in range(3)]
        await fund(database, alice, 10_000)
        chain = [send(alice, bob, 3_000), send(bob, carol, 1_000), hold(alice, carol, 500)]
        async with database.transaction() as session:
            results = await ledger.create_transfers(session, chain, atomic=True)
        assert all(r.ok for r in results)
        assert (await balance(database, alice)).available == 6_500
        assert (await balance(database, bob)).posted == 2_000
        assert (await balance(database, carol)).posted == 1_000

    async def test_when_the_third_fails_nothing_is_applied(self, database):
        alice, bob, carol = [await open_wallet(database) for _ in range(3)]
        await fund(database, alice, 10_000)
        before = await sums(database, [alice, bob, carol])
        count_before = await transfer_count(database)
        chain = [send(alice, bob, 3_000), send(bob, carol, 1_000), send(carol, alice, 5_000)]
        error = await refusal(database, lambda s: ledger.create_transfers(s, chain, atomic=True))
        assert isinstance(error, ChainFailed)
        assert "3" in error.detail
        assert await sums(database, [alice, bob, carol]) == before
        assert await transfer_count(database) == count_before

    async def test_a_failed_chain_leaves_earlier_work_of_the_transaction(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        async with database.transaction() as session:
            await ledger.transfer(session, send(alice, bob, 1_000))
            with pytest.raises(ChainFailed):
                await ledger.create_transfers(
                    session, [send(alice, bob, 2_000), send(bob, alice, 99_999)], atomic=True
                )
            await ledger.transfer(session, send(alice, bob, 500))
        assert (await balance(database, bob)).posted == 1_500
        assert (await balance(database, alice)).posted == 8_500

    async def test_chain_keys_are_free_again_after_a_failure(self, database):
        alice, bob = await open_wallet(database, 10_000), await open_wallet(database)
        chain = [send(alice, bob, 100, key="chain-a"), send(bob, alice, 5_000, key="chain-b")]
        await refusal(database, lambda s: ledger.create_transfers(s, chain, atomic=True))
        await fund(database, bob, 5_000)
        async with database.transaction() as session:
            results = await ledger.create_transfers(session, chain, atomic=True)
        assert all(r.ok for r in results)
        assert (await balance(database, alice)).posted == 14_900


class TestAccounts:
    async def test_user_wallet_is_found_by_owner(self, database):
        async with database.transaction() as session:
            opened = await ledger.open_user_wallet(session, 4242)
        await fund(database, opened.id, 700)
        async with database.transaction() as session:
            wallet = await ledger.user_wallet(session, 4242)
        assert wallet.id == opened.id
        assert wallet.credits_posted == 700

    async def test_missing_wallet_is_reported(self, database):
        error = await refusal(database, lambda s: ledger.user_wallet(s, 4243))
        assert isinstance(error, AccountNotFound)

    async def test_system_accounts_exist_in_every_shard(self, database):
        async with database.transaction() as session:
            ids = {
                await ledger.system_account_id(session, MERCHANT_PAYABLES, shard=shard)
                for shard in range(8)
            }
            assert len(ids) == 8
            assert await ledger.system_account_id(session, MERCHANT_PAYABLES) in ids

    async def test_ensure_system_accounts_is_idempotent(self, database):
        async with database.transaction() as session:
            await ledger.ensure_system_accounts(session)
            await ledger.ensure_system_accounts(session, "POINT")
            await ledger.ensure_system_accounts(session, "POINT")
            assert await ledger.system_account_id(session, MERCHANT_PAYABLES, "POINT")
