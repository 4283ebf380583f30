"""`identity.pin_checked`: the PIN check opening the transaction the caller's block goes on in."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from easypay.identity import service as identity
from easypay.identity.errors import WrongPin
from easypay.models import AuditEvent, User
from tests.identity.builders import PIN, signed_up_user

WRONG_PIN = "000001"


async def failures(database, user_id: int) -> int:
    async with database.transaction() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.pin_failures


async def marks(database, user_id: int) -> int:
    statement = select(func.count(AuditEvent.id)).where(
        AuditEvent.user_id == user_id, AuditEvent.kind == "test.mark"
    )
    async with database.transaction() as session:
        return int((await session.execute(statement)).scalar_one())


async def mark(session, user_id: int) -> None:
    await identity.record_event(session, user_id, "test.mark")


class TestPinChecked:
    async def test_the_right_pin_runs_the_block_in_the_same_committed_transaction(
        self, client, database, settings
    ):
        user = await signed_up_user(client, pin=PIN)
        async with identity.pin_checked(database, settings, user.user_id, PIN) as session:
            await mark(session, user.user_id)
        assert await marks(database, user.user_id) == 1

    async def test_a_wrong_pin_is_counted_and_committed_and_the_block_never_runs(
        self, client, database, settings
    ):
        user = await signed_up_user(client, pin=PIN)
        ran = False
        with pytest.raises(WrongPin, match="4 tries left"):
            async with identity.pin_checked(database, settings, user.user_id, WRONG_PIN):
                ran = True
        assert ran is False
        assert await failures(database, user.user_id) == 1

    async def test_a_failing_block_rolls_back_its_writes_and_the_failure_reset(
        self, client, database, settings
    ):
        """After one wrong PIN, the right one clears the count, but in the block's transaction:
        a block that fails leaves both as they were (the next right PIN clears it)."""
        user = await signed_up_user(client, pin=PIN)
        with pytest.raises(WrongPin):
            await identity.check_pin(database, settings, user.user_id, WRONG_PIN)

        async def failing_block() -> None:
            async with identity.pin_checked(database, settings, user.user_id, PIN) as session:
                await mark(session, user.user_id)
                raise RuntimeError("the block failed")

        with pytest.raises(RuntimeError, match="the block failed"):
            await failing_block()
        assert await marks(database, user.user_id) == 0
        assert await failures(database, user.user_id) == 1
        await identity.check_pin(database, settings, user.user_id, PIN)
        assert await failures(database, user.user_id) == 0
