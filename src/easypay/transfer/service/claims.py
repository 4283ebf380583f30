"""Money sent to a phone number before its owner joined EasyPay.

Such a transfer is addressed by the number alone. When someone signs up with that number
(within the window: an expired one has already gone back), it becomes theirs to receive, and
their new inbox tells them it is waiting.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from easypay.identity import service as identity
from easypay.models import User
from easypay.notification.service import notify
from easypay.transfer import repository


async def on_signed_up(session: AsyncSession, user: User) -> None:
    for transfer in await repository.claim_waiting_for_phone(session, user):
        senders = await repository.users_by_id(session, {transfer.sender_id})
        await notify(
            session,
            user.id,
            "transfer.incoming",
            {
                "sender": senders[transfer.sender_id].name,
                "amount": transfer.amount,
                "message": transfer.message,
            },
            f"/transfers/{transfer.id}",
        )


identity.SIGNED_UP_LISTENERS.append(on_signed_up)
