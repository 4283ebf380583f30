"""Operator console: institutions (relying parties) and the transparency log.

Institutions: every institution with its signature requests by state, a form that creates one,
and a page per institution (rename, suspend / reactivate, rotate its key, its latest requests;
no user's personal data). A new key is in the answer to the create or rotate form only: no
redirect, the page is not cached, and no later page shows it.

The log: its size, the current signed checkpoint, the verifier key, the latest entries (leaves
decoded: kind, serial, pseudonym, time), links to the public endpoints, the CRL number and the
certificates by status; and "verify now", which runs what `easypay tlog verify` runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate import institutions, repository
from easypay.certificate.institutions import CreatedInstitution
from easypay.certificate.tlog import store
from easypay.certificate.tlog.errors import TlogError
from easypay.certificate.tlog.key import load_log_key, log_origin, published_key
from easypay.certificate.tlog.merkle import leaf_hash
from easypay.certificate.tlog.verify import Report, verify
from easypay.config import Settings
from easypay.db import DbSession, database_of
from easypay.errors import EasyPayError
from easypay.kit.clock import clock
from easypay.kit.ids import PathId
from easypay.models import Certificate, TlogLeaf
from easypay.web.forms import read_form
from easypay.web.i18n import error_text, translate
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebOperator, settings_of

router = page_router()

PER_PAGE = 20
RECENT_REQUESTS = 20
ENTRIES_PER_PAGE = 25
CERTIFICATE_STATES = ("active", "suspended", "expired", "revoked", "deleted")
# The checks of tlog/verify.py by name; a name not here is shown as it is.
CHECK_KEYS = {
    "leaves hash to their data, indexes dense": "tlog.check.leaves",
    "log size matches the leaves": "tlog.check.head",
    "stored subtree nodes match the data": "tlog.check.nodes",
    "checkpoints signed by the log key, roots match the data": "tlog.check.checkpoints",
    "consecutive checkpoints are consistent": "tlog.check.consistency",
}
_ERRORS = {
    "InstitutionNotFound",
    "InstitutionNameTaken",
    "InstitutionNotActive",
    "InstitutionNotSuspended",
}


def institution_error(error: EasyPayError, lang: str) -> str:
    """The page's sentence for a refusal of the institution service."""
    if error.code in _ERRORS:
        return translate(f"institutions.error.{error.code}", lang)
    if error.code == "ValidationError" and error.detail.startswith("An institution name"):
        return translate("institutions.error.bad_name", lang)
    return error_text(error, lang)


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 8 else 0


# --- institutions ------------------------------------------------------------------------------


async def _list_page(
    request: Request,
    db: AsyncSession,
    error: str | None = None,
    status_code: int = 200,
    name: str = "",
) -> Response:
    status = request.query_params.get("status", "")
    status = status if status in institutions.STATUSES else ""
    offset = _offset(request)
    rows, total = await institutions.listing(db, status, PER_PAGE, offset)
    query = f"status={status}&" if status else ""
    context: dict[str, Any] = {
        "section": "institutions",
        "wide": True,
        "rows": rows,
        "total": total,
        "status": status,
        "statuses": institutions.STATUSES,
        "prev_query": f"{query}offset={max(0, offset - PER_PAGE)}" if offset else None,
        "next_query": f"{query}offset={offset + PER_PAGE}" if offset + PER_PAGE < total else None,
        "name": name,
        "error": error,
    }
    return await render(request, "admin/institutions.html", context, status_code)


async def _detail_page(
    request: Request,
    db: AsyncSession,
    institution_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    new_key: CreatedInstitution | None = None,
    rotated: bool = False,
    name: str | None = None,
) -> Response:
    found = await institutions.summary(db, institution_id)
    recent = await institutions.recent_requests(db, institution_id, RECENT_REQUESTS)
    context: dict[str, Any] = {
        "section": "institutions",
        "wide": True,
        "item": found.institution,
        "counts": found.requests,
        "requests": [(each, institutions.state_of(each)) for each in recent],
        "new_key": new_key,
        "rotated": rotated,
        "recent_limit": RECENT_REQUESTS,
        "name": found.institution.name if name is None else name,
        "error": error,
    }
    return await render(request, "admin/institution.html", context, status_code)


@router.get("/admin/institutions")
async def institutions_page(request: Request, operator: WebOperator, db: DbSession) -> Response:
    return await _list_page(request, db)


@router.post("/admin/institutions")
async def create_institution(
    request: Request, operator: WebOperator, visitor: CurrentVisitor, db: DbSession
) -> Response:
    name = (await read_form(request)).get("name", "")[: institutions.MAX_NAME_CHARS * 2]
    try:
        created = await institutions.create(db, name)
    except EasyPayError as failure:
        await db.rollback()
        message = institution_error(failure, visitor.lang)
        return await _list_page(request, db, message, failure.status, name)
    # The key is in this answer only: no redirect, and the page is not cached.
    return await _detail_page(request, db, created.institution.id, new_key=created)


@router.get("/admin/institutions/{institution_id}")
async def institution_page(
    request: Request, institution_id: PathId, operator: WebOperator, db: DbSession
) -> Response:
    return await _detail_page(request, db, institution_id)


async def _switch(
    request: Request, db: AsyncSession, lang: str, institution_id: int, on: bool
) -> Response:
    try:
        if on:
            await institutions.reactivate(db, institution_id)
        else:
            await institutions.suspend(db, institution_id)
    except EasyPayError as failure:
        await db.rollback()
        if failure.code == "InstitutionNotFound":
            raise
        message = institution_error(failure, lang)
        return await _detail_page(
            request, db, institution_id, error=message, status_code=failure.status
        )
    notice = "institutions.reactivated" if on else "institutions.suspended"
    return await redirect(request, with_notice(f"/admin/institutions/{institution_id}", notice))


@router.post("/admin/institutions/{institution_id}/suspend")
async def suspend(
    request: Request,
    institution_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _switch(request, db, visitor.lang, institution_id, on=False)


@router.post("/admin/institutions/{institution_id}/reactivate")
async def reactivate(
    request: Request,
    institution_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    return await _switch(request, db, visitor.lang, institution_id, on=True)


@router.post("/admin/institutions/{institution_id}/rotate-key")
async def rotate_key(
    request: Request, institution_id: PathId, operator: WebOperator, db: DbSession
) -> Response:
    created = await institutions.rotate_key(db, institution_id)
    return await _detail_page(request, db, institution_id, new_key=created, rotated=True)


@router.post("/admin/institutions/{institution_id}/rename")
async def rename(
    request: Request,
    institution_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    name = (await read_form(request)).get("name", "")[: institutions.MAX_NAME_CHARS * 2]
    try:
        await institutions.rename(db, institution_id, name)
    except EasyPayError as failure:
        await db.rollback()
        if failure.code == "InstitutionNotFound":
            raise
        message = institution_error(failure, visitor.lang)
        return await _detail_page(
            request, db, institution_id, error=message, status_code=failure.status, name=name
        )
    notice = "institutions.renamed"
    return await redirect(request, with_notice(f"/admin/institutions/{institution_id}", notice))


# --- the transparency log ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A leaf as the page shows it: decoded when it is a certificate event's canonical JSON."""

    index: int
    kind: str | None
    serial: str | None
    reference: str | None
    at: datetime | None
    hash_matches: bool  # its data still hashes to its stored leaf hash


def _decode(leaf: TlogLeaf) -> Entry:
    data = bytes(leaf.data)
    fields: dict[str, Any] = {}
    try:
        loaded = json.loads(data)
        if isinstance(loaded, dict):
            fields = loaded
    except ValueError:
        pass

    def text(name: str) -> str | None:
        value = fields.get(name)
        return value if isinstance(value, str) else None

    at = None
    if raw_at := text("at"):
        try:
            at = datetime.fromisoformat(raw_at)
        except ValueError:
            at = None
    return Entry(
        index=int(leaf.index),
        kind=text("kind"),
        serial=text("serial"),
        reference=text("reference"),
        at=at,
        hash_matches=leaf_hash(data) == bytes(leaf.leaf_hash),
    )


async def certificate_counts(session: AsyncSession) -> dict[str, int]:
    """Certificates by status; an active or suspended one past its end date counts as expired."""
    counts = dict.fromkeys(CERTIFICATE_STATES, 0)
    rows = await session.execute(
        select(Certificate.status, func.count()).group_by(Certificate.status)
    )
    for status, count in rows:
        counts[status] = counts.get(status, 0) + int(count)
    overdue = await session.execute(
        select(Certificate.status, func.count())
        .where(
            Certificate.status.in_(("active", "suspended")),
            Certificate.not_after <= clock.now(),
        )
        .group_by(Certificate.status)
    )
    for status, count in overdue:
        counts[status] -= int(count)
        counts["expired"] += int(count)
    return counts


def _end(request: Request, size: int) -> int:
    raw = request.query_params.get("end", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        return max(0, min(int(raw), size))
    return size


async def _tlog_context(
    request: Request, session: AsyncSession, settings: Settings
) -> dict[str, Any]:
    origin = log_origin(settings)
    checkpoint_note, checkpoint_problem = None, None
    try:
        checkpoint = await store.checkpoint(session, load_log_key(settings), origin)
        checkpoint_note = checkpoint.note
    except TlogError as error:  # a damaged log still gets its page, and the verify button
        checkpoint_problem = error.detail
    size = await store.current_size(session)
    end = _end(request, size)
    start = max(0, end - ENTRIES_PER_PAGE)
    leaves = await store.entries(session, start, end) if end > start else []
    crl = await repository.latest_crl(session)
    return {
        "section": "tlog",
        "wide": True,
        "origin": origin,
        "size": size,
        "checkpoint_note": checkpoint_note,
        "checkpoint_problem": checkpoint_problem,
        "verifier_key": published_key(settings)[2],
        "entries": [_decode(leaf) for leaf in reversed(leaves)],
        "first_shown": start,
        "last_shown": end - 1,
        "older_end": start if start > 0 else None,
        "newer_end": min(size, end + ENTRIES_PER_PAGE) if end < size else None,
        "crl": crl,
        "certificates": await certificate_counts(session),
        "certificate_states": CERTIFICATE_STATES,
    }


@router.get("/admin/tlog")
async def tlog_page(request: Request, operator: WebOperator, db: DbSession) -> Response:
    context = await _tlog_context(request, db, settings_of(request))
    return await render(request, "admin/tlog.html", context)


async def run_verify(request: Request) -> Report:
    """`easypay tlog verify` on this database: one snapshot, the log key file's public half."""
    settings = settings_of(request)
    database = database_of(request)
    try:
        public_key = load_log_key(settings, create=False).public_key()
    except TlogError:
        public_key = None  # every checkpoint then fails its check, saying why
    async with database.transaction() as session:
        if not database.is_sqlite:  # one snapshot, so appends during the check are not seen
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return await verify(session, public_key, log_origin(settings))


def first_problem(report: Report, lang: str) -> str | None:
    """The first thing found wrong, named by its check, or None when the log checks out."""
    for check in report.checks:
        if not check.ok:
            key = CHECK_KEYS.get(check.name)
            name = translate(key, lang) if key else check.name
            return f"{name}: {check.problems[0]}" if check.problems else name
    return None


@router.post("/admin/tlog/verify")
async def verify_now(request: Request, operator: WebOperator, visitor: CurrentVisitor) -> Response:
    # No request session here: the check runs in its own snapshot transaction, then the page
    # is read in another (SQLite would otherwise wait on its own write lock).
    report = await run_verify(request)
    async with database_of(request).transaction() as session:
        context = await _tlog_context(request, session, settings_of(request))
    first = first_problem(report, visitor.lang)
    context.update({"report": report, "first_problem": first, "check_keys": CHECK_KEYS})
    return await render(request, "admin/tlog.html", context)
