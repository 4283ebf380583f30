"""`ledger.user_wallet` answers with the row's current sums in one query (issue 6, load:
it used to look the wallet up, then refresh it — two round trips on every request that
reads a balance)."""

from __future__ import annotations

from sqlalchemy import update

from easypay.ledger import service as ledger
from easypay.models import LedgerAccount
from tests.ledger.builders import fund, next_owner_id


class TestUserWalletIsFresh:
    async def test_a_wallet_the_session_already_holds_shows_the_sums_moved_since(self, database):
        owner = next_owner_id()
        async with database.transaction() as session:
            wallet_id = (await ledger.open_user_wallet(session, owner)).id
        await fund(database, wallet_id, 5_000)
        async with database.transaction() as session:
            held = await ledger.user_wallet(session, owner)
            assert held.credits_posted == 5_000
            # Changed behind the session's back (as another transaction's commit would be):
            await session.execute(
                update(LedgerAccount)
                .where(LedgerAccount.id == wallet_id)
                .values(credits_posted=LedgerAccount.credits_posted + 1)
            )
            again = await ledger.user_wallet(session, owner)
            assert again is held  # the same instance, brought up to date
            assert again.credits_posted == 5_001
            await session.rollback()  # leave the ledger as it was: verify runs after the test
        async with database.transaction() as session:
            assert (await ledger.user_wallet(session, owner)).credits_posted == 5_000

    async def test_a_user_without_a_wallet_is_refused(self, database):
        async with database.transaction() as session:
            try:
                await ledger.user_wallet(session, next_owner_id())
            except ledger.AccountNotFound:
                return
        raise AssertionError("a wallet nobody opened was found")
