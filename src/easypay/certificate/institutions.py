"""Institutions (relying parties: banks, insurers, offices) that ask users to sign.

An operator creates one; its API key is shown once, in that answer, and only its SHA-256 is
stored (like merchant keys). Institutions call with `Authorization: Bearer <key>`; an unknown
key or a suspended institution is refused alike (401).

The operator also lists them (with counts of their signature requests by state), renames,
suspends and reactivates them, and rotates the key (the new key shown once; the old one is
refused from that moment). Suspending ends the institution's pending requests (they become
`expired`, so no user signs for an institution that was stopped); requests already signed stay
signed but cannot be collected while the key is refused, and the 10 minutes to collect them
keep running.

Names are what users read in their wallet ("국민은행에서 서명을 요청했어요"), so two institutions
may not share one (compared without case and extra spaces), and control characters are refused.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.db import dialect_name
from easypay.errors import Conflict, InvalidInput, NotFound, Unauthorized
from easypay.kit.clock import as_utc, clock
from easypay.kit.crypto import sha256_hex
from easypay.models import Institution, SignRequest
from easypay.models.base import table_of

KEY_PREFIX = "inst_"
MAX_NAME_CHARS = 100
MAX_PAGE_SIZE = 100
STATUSES = ("active", "suspended")
REQUEST_STATES = ("pending", "signed", "collected", "rejected", "expired")
_MAX_KEY_CHARS = 100
_NAME_LOCK = 0x494E5354  # "INST": serialises name checks on PostgreSQL (transaction-scoped)


class InstitutionUnauthorized(Unauthorized):
    code = "InstitutionUnauthorized"
    message = "Send a valid institution API key as `Authorization: Bearer <key>`."


class InstitutionNotFound(NotFound):
    code = "InstitutionNotFound"
    message = "No such institution."


class InstitutionNameTaken(Conflict):
    code = "InstitutionNameTaken"
    message = "Another institution already has this name."


class InstitutionNotActive(Conflict):
    code = "InstitutionNotActive"
    message = "The institution is already suspended."


class InstitutionNotSuspended(Conflict):
    code = "InstitutionNotSuspended"
    message = "The institution is not suspended."


@dataclass(frozen=True)
class CreatedInstitution:
    institution: Institution
    api_key: str  # shown once


@dataclass
class RequestCounts:
    """An institution's signature requests by state (a pending one past its expiry counts as
    expired, as it reads to everyone)."""

    pending: int = 0
    signed: int = 0
    collected: int = 0
    rejected: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.signed + self.collected + self.rejected + self.expired


@dataclass
class InstitutionSummary:
    institution: Institution
    requests: RequestCounts = field(default_factory=RequestCounts)


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_hex(24)


def clean_name(raw: str) -> str:
    """The name with its spaces collapsed, or InvalidInput."""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") and not c.isspace() for c in raw):
        raise InvalidInput("An institution name may not hold control characters.")
    name = " ".join(raw.split())
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise InvalidInput(f"An institution name is 1 to {MAX_NAME_CHARS} characters.")
    return name


async def _check_name_free(session: AsyncSession, name: str, but: int | None = None) -> None:
    if dialect_name(session) == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_NAME_LOCK)))
    query = select(Institution.id).where(func.lower(Institution.name) == name.lower())
    if but is not None:
        query = query.where(Institution.id != but)
    if (await session.execute(query.limit(1))).first() is not None:
        raise InstitutionNameTaken()


async def create(
    session: AsyncSession, name: str, *, api_key: str | None = None
) -> CreatedInstitution:
    """A new active institution and its key (made here unless `api_key` is given: only the
    demo data gives one, its key being published in the README)."""
    cleaned = clean_name(name)
    if api_key is not None and (
        not api_key.startswith(KEY_PREFIX) or not 20 <= len(api_key) <= _MAX_KEY_CHARS
    ):
        raise InvalidInput("An institution API key starts with inst_ and has 20 to 100 characters.")
    await _check_name_free(session, cleaned)
    key = api_key or new_api_key()
    institution = Institution(
        name=cleaned,
        api_key_hash=sha256_hex(key),
        status="active",
        created_at=clock.now(),
    )
    session.add(institution)
    await session.flush()
    return CreatedInstitution(institution, key)


async def by_key(session: AsyncSession, key: str) -> Institution:
    """The active institution holding `key`, or InstitutionUnauthorized.

    On PostgreSQL the row is share-locked for the caller's transaction: a suspension waits for
    calls already let in (so its "end the pending requests" sees the requests they make), and a
    call arriving after a suspension reads the suspended row. SQLite serialises writers anyway.
    """
    if not key or len(key) > _MAX_KEY_CHARS:
        raise InstitutionUnauthorized()
    query = select(Institution).where(Institution.api_key_hash == sha256_hex(key))
    if dialect_name(session) == "postgresql":
        query = query.with_for_update(read=True)
    institution = (await session.execute(query)).scalar_one_or_none()
    if institution is None or institution.status != "active":
        raise InstitutionUnauthorized()
    return institution


async def get(session: AsyncSession, institution_id: int, *, fresh: bool = False) -> Institution:
    """The institution, or InstitutionNotFound; `fresh` reloads it after a Core update."""
    query = select(Institution).where(Institution.id == institution_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    institution = (await session.execute(query)).scalar_one_or_none()
    if institution is None:
        raise InstitutionNotFound()
    return institution


async def request_counts(
    session: AsyncSession, institution_ids: Sequence[int]
) -> dict[int, RequestCounts]:
    """Each institution's signature requests by state (every id present, zeros included)."""
    counts = {each: RequestCounts() for each in institution_ids}
    if not counts:
        return counts
    ids = list(counts)
    by_status = (
        select(SignRequest.institution_id, SignRequest.status, func.count())
        .where(SignRequest.institution_id.in_(ids))
        .group_by(SignRequest.institution_id, SignRequest.status)
    )
    for institution_id, status, count in await session.execute(by_status):
        if status in REQUEST_STATES:
            setattr(counts[institution_id], status, int(count))
    # Expiry is lazy (sign_requests._expire_if_due): pending rows past their time are expired.
    overdue = (
        select(SignRequest.institution_id, func.count())
        .where(
            SignRequest.institution_id.in_(ids),
            SignRequest.status == "pending",
            SignRequest.expires_at <= clock.now(),
        )
        .group_by(SignRequest.institution_id)
    )
    for institution_id, count in await session.execute(overdue):
        counts[institution_id].pending -= int(count)
        counts[institution_id].expired += int(count)
    return counts


async def listing(
    session: AsyncSession, status: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[InstitutionSummary], int]:
    """A page of institutions, newest first, with their request counts; and the total."""
    filters = [Institution.status == status] if status else []
    total = (await session.execute(select(func.count(Institution.id)).where(*filters))).scalar_one()
    query = (
        select(Institution)
        .where(*filters)
        .order_by(Institution.id.desc())
        .limit(min(max(limit, 1), MAX_PAGE_SIZE))
        .offset(max(offset, 0))
    )
    found = list((await session.execute(query)).scalars().all())
    counts = await request_counts(session, [each.id for each in found])
    return [InstitutionSummary(each, counts[each.id]) for each in found], int(total)


async def summary(session: AsyncSession, institution_id: int) -> InstitutionSummary:
    institution = await get(session, institution_id)
    counts = await request_counts(session, [institution.id])
    return InstitutionSummary(institution, counts[institution.id])


async def _change_status(session: AsyncSession, institution_id: int, old: str, new: str) -> bool:
    """Of two operators at once, one wins (a conditional update)."""
    statement = (
        update(table_of(Institution))
        .where(Institution.id == institution_id, Institution.status == old)
        .values(status=new)
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def suspend(session: AsyncSession, institution_id: int) -> Institution:
    """Its key is refused from now on (401, as an unknown key) and its pending requests end."""
    changed = await _change_status(session, institution_id, "active", "suspended")
    institution = await get(session, institution_id, fresh=True)
    if not changed:
        raise InstitutionNotActive()
    await session.execute(
        update(table_of(SignRequest))
        .where(SignRequest.institution_id == institution_id, SignRequest.status == "pending")
        .values(status="expired")
    )
    return institution


async def reactivate(session: AsyncSession, institution_id: int) -> Institution:
    """Its key works again; requests it had pending stay ended."""
    changed = await _change_status(session, institution_id, "suspended", "active")
    institution = await get(session, institution_id, fresh=True)
    if not changed:
        raise InstitutionNotSuspended()
    return institution


async def rotate_key(session: AsyncSession, institution_id: int) -> CreatedInstitution:
    """A new key (returned once); the old one is refused as soon as this commits. A suspended
    institution may be given a new key too (it works once reactivated)."""
    key = new_api_key()
    result = await session.execute(
        update(table_of(Institution))
        .where(Institution.id == institution_id)
        .values(api_key_hash=sha256_hex(key))
    )
    if not getattr(result, "rowcount", 0):
        raise InstitutionNotFound()
    return CreatedInstitution(await get(session, institution_id, fresh=True), key)


async def rename(session: AsyncSession, institution_id: int, name: str) -> Institution:
    cleaned = clean_name(name)
    institution = await get(session, institution_id)
    await _check_name_free(session, cleaned, but=institution.id)
    await session.execute(
        update(table_of(Institution)).where(Institution.id == institution.id).values(name=cleaned)
    )
    return await get(session, institution_id, fresh=True)


def state_of(request: SignRequest) -> str:
    """The state as the institution and the user read it (a pending request past its expiry
    is expired), without writing it."""
    if request.status == "pending" and clock.now() >= as_utc(request.expires_at):
        return "expired"
    return request.status


async def recent_requests(
    session: AsyncSession, institution_id: int, limit: int = 20
) -> Sequence[SignRequest]:
    """The institution's latest signature requests, newest first."""
    query = (
        select(SignRequest)
        .where(SignRequest.institution_id == institution_id)
        .order_by(SignRequest.id.desc())
        .limit(min(max(limit, 1), MAX_PAGE_SIZE))
    )
    return (await session.execute(query)).scalars().all()
