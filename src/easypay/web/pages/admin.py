"""The operator console: users (search, suspend, reactivate), ledger health, recent activity."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response

from easypay.admin import service as admin
from easypay.db import DbSession
from easypay.identity import repository as identity_repository
from easypay.kit.ids import PathId
from easypay.web.forms import read_form
from easypay.web.i18n import translate
from easypay.web.rendering import redirect, render, with_notice
from easypay.web.route import error_page, page_router
from easypay.web.visitor import CurrentVisitor, WebOperator

router = page_router()

USERS_PER_PAGE = 20
STATUSES = ("active", "suspended")


def _users_query(q: str, offset: int) -> str:
    values = {"q": q} if q else {}
    if offset:
        values["offset"] = str(offset)
    return urlencode(values)


@router.get("/admin")
async def users_page(request: Request, operator: WebOperator, db: DbSession) -> Response:
    q = request.query_params.get("q", "").strip()[:100]
    raw_offset = request.query_params.get("offset", "0")
    offset = min(int(raw_offset), 1_000_000) if raw_offset.isdigit() and len(raw_offset) < 8 else 0
    users, total = await admin.users(db, q, USERS_PER_PAGE, offset)
    previous = _users_query(q, max(0, offset - USERS_PER_PAGE)) if offset else None
    following = offset + USERS_PER_PAGE
    context = {
        "section": "users",
        "wide": True,
        "q": q,
        "users": users,
        "total": total,
        "prev_query": previous,
        "next_query": _users_query(q, following) if following < total else None,
    }
    return await render(request, "admin/users.html", context)


@router.post("/admin/users/{user_id}/status")
async def set_user_status(
    request: Request,
    user_id: PathId,
    operator: WebOperator,
    visitor: CurrentVisitor,
    db: DbSession,
) -> Response:
    form = await read_form(request)
    status = form.get("status", "")
    if status not in STATUSES:
        return await error_page(
            request, 422, "error.title", translate("error.not_found", visitor.lang)
        )
    if user_id == operator.user.id:
        return await error_page(
            request, 409, "error.forbidden_title", translate("admin.not_self", visitor.lang)
        )
    await admin.set_status(db, user_id, status)
    back = "/admin"
    query = _users_query(form.get("q", "")[:100], 0)
    if query:
        back += "?" + query
    return await redirect(request, with_notice(back, "user_updated"))


@router.get("/admin/ledger")
async def ledger_page(request: Request, operator: WebOperator, db: DbSession) -> Response:
    health = await admin.ledger_health(db)
    return await render(
        request, "admin/ledger.html", {"section": "ledger", "wide": True, "health": health}
    )


@router.get("/admin/activity")
async def activity_page(request: Request, operator: WebOperator, db: DbSession) -> Response:
    events = await admin.recent_activity(db)
    names: dict[int, str] = {}
    for user_id in {event.user_id for event in events if event.user_id is not None}:
        person = await identity_repository.user_by_id(db, user_id)
        if person is not None:
            names[user_id] = person.name
    context = {"section": "activity", "wide": True, "events": events, "names": names}
    return await render(request, "admin/activity.html", context)
