"""Making sure a transfer is funded before it is made (the API and the pages both call this)."""

from __future__ import annotations

from easypay.config import Settings
from easypay.db import Database
from easypay.kit.clock import clock
from easypay.models import User
from easypay.money import gateway
from easypay.money import service as money
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
        await limits.check_room(session, settings, user.id, amount, clock.now())
    await money.auto_charge(database, bank, settings, user, amount, request_key)
