"""The sandbox bank's Python functions, as the demo loader and other tests use them."""

from __future__ import annotations

import pytest

from easypay.sandbox.bank import service as bank
from easypay.sandbox.bank.errors import AccountExists, AccountNotFound, BadRequest


class TestOpenAccount:
    async def test_opens_with_a_balance_and_an_opening_entry(self, database):
        async with database.transaction() as session:
            account = await bank.open_account(
                session, "088", "110222333444", "김민준", "+821012345678", 70_000
            )
        async with database.transaction() as session:
            found = await bank.account(session, "088", "110222333444")
            listing = await bank.transactions(session, "088", "110222333444", None, 10)
        assert (found.id, found.balance, found.is_corporate) == (account.id, 70_000, False)
        assert [(item.inout_type, item.after_balance_amt) for item in listing.res_list] == [
            ("입금", 70_000)
        ]

    async def test_refuses_a_duplicate_number(self, database):
        async with database.transaction() as session:
            await bank.open_account(session, "088", "110222333444", "김민준", "+821012345678", 0)
        with pytest.raises(AccountExists):
            async with database.transaction() as session:
                await bank.open_account(session, "088", "110222333444", "이서연", "+8210", 0)

    @pytest.mark.parametrize(
        ("bank_code", "number", "balance"),
        [("88", "110222333444", 0), ("088", "12-34", 0), ("088", "110222333444", -1)],
    )
    async def test_refuses_bad_input(self, database, bank_code, number, balance):
        with pytest.raises(BadRequest):
            async with database.transaction() as session:
                await bank.open_account(session, bank_code, number, "김민준", "+8210", balance)

    async def test_unknown_account(self, database):
        with pytest.raises(AccountNotFound):
            async with database.transaction() as session:
                await bank.account(session, "088", "000000000")


class TestCorporateAccount:
    async def test_created_once_empty(self, database):
        async with database.transaction() as session:
            first = await bank.ensure_corporate_account(session)
            second = await bank.ensure_corporate_account(session)
            assert await bank.corporate_balance(session) == 0
        assert first.id == second.id
        assert (first.bank_code, first.account_number, first.is_corporate) == (
            bank.CORPORATE_BANK_CODE,
            bank.CORPORATE_ACCOUNT_NUMBER,
            True,
        )

    async def test_not_listed_among_customer_accounts(self, database):
        async with database.transaction() as session:
            corporate = await bank.ensure_corporate_account(session)
            listing = await bank.accounts_of(session, corporate.customer_id)
        assert listing.res_list == []


class TestFaults:
    async def test_add_and_clear(self, database):
        async with database.transaction() as session:
            fault = await bank.add_fault(session, "deposit", "decline", count=3)
            assert (fault.operation, fault.remaining, fault.account_number) == ("deposit", 3, "*")
            await bank.add_fault(session, "any", "timeout", delay_seconds=1.0)
        async with database.transaction() as session:
            assert await bank.clear_faults(session) == 2
            assert await bank.faults(session) == []

    @pytest.mark.parametrize(
        ("operation", "mode", "count"),
        [("balance", "decline", 1), ("any", "crash", 1), ("any", "decline", 0)],
    )
    async def test_refuses_an_unknown_fault(self, database, operation, mode, count):
        with pytest.raises(BadRequest):
            async with database.transaction() as session:
                await bank.add_fault(session, operation, mode, count=count)
