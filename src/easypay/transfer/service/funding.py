"""Making sure a transfer is funded before it is made (the API and the pages both call this)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.models import User
from easypay.money import gateway
from easypay.money import service as money
from easypay.money.service import BankCall
from easypay.transfer import limits


async def cover(
    database: Database,
    bank: gateway.BankGateway,
    settings: Settings,
    user: User,
    amount: int,
    request_key: str,
) -> None:
    """Refuse what the sending limits would refuse anyway, then auto-charge the shortfall if
    the balance is short and the user allows it — never top up money that cannot be sent.
    Its own transactions: call it before the request's session is used."""
    async with database.transaction() as session:
        call = await plan(session, settings, user, amount, request_key)
    await money.run_auto_charge(database, bank, settings, user, call)


async def plan(
    session: AsyncSession, settings: Settings, user: User, amount: int, request_key: str
) -> BankCall | None:
    """`cover`'s reads, in the caller's transaction: the limits, then the charge to make (None
    when the balance covers it). Make it with `money.run_auto_charge` outside the transaction."""
    await limits.check_room(session, settings, user.id, amount, clock.now())
    return await money.auto_charge_call(session, settings, user, amount, request_key)
