"""What operators see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.admin.schemas import CheckRead, LedgerHealth, UserSummary
from easypay.identity import repository as identity_repository
from easypay.identity.errors import UserNotFound
from easypay.ledger import verify as ledger_verify
from easypay.ledger.accounts import USER_WALLET
from easypay.models import AuditEvent, LedgerAccount, User


async def users(
    session: AsyncSession, query: str, limit: int, offset: int
) -> tuple[list[UserSummary], int]:
    found, total = await identity_repository.users_page(session, query.strip(), limit, offset)
    balances = await _wallet_balances(session, [u.id for u in found])
    return [_summary(u, balances.get(u.id, 0)) for u in found], total


async def _wallet_balances(session: AsyncSession, user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    statement = select(
        LedgerAccount.owner_id, LedgerAccount.credits_posted - LedgerAccount.debits_posted
    ).where(
        LedgerAccount.code == USER_WALLET,
        LedgerAccount.unit == "KRW",
        LedgerAccount.owner_id.in_(user_ids),
    )
    return {owner: balance for owner, balance in await session.execute(statement)}


def _summary(user: User, balance: int) -> UserSummary:
    return UserSummary(
        id=user.id,
        name=user.name,
        phone=user.phone,
        status=user.status,
        pin_locked=user.pin_locked_at is not None,
        is_operator=user.is_operator,
        balance=balance,
        created_at=user.created_at,
    )


async def set_status(session: AsyncSession, user_id: int, status: str) -> UserSummary:
    user = await identity_repository.user_by_id(session, user_id, for_update=True)
    if user is None:
        raise UserNotFound("No such user.")
    user.status = status
    balances = await _wallet_balances(session, [user.id])
    return _summary(user, balances.get(user.id, 0))


async def ledger_health(session: AsyncSession) -> LedgerHealth:
    report = await ledger_verify.verify(session)
    return LedgerHealth(
        ok=report.ok,
        accounts=report.accounts,
        transfers=report.transfers,
        checks=[
            CheckRead(name=c.name, ok=c.ok, summary=c.summary, problems=c.problems)
            for c in report.checks
        ],
    )


async def recent_activity(session: AsyncSession, limit: int = 50) -> list[AuditEvent]:
    return await identity_repository.recent_events(session, limit)
