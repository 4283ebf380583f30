"""History of one's own Pay Money activity: filtered by kind and date, paged with "more"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import Request, Response

from easypay.db import DbSession
from easypay.money import service as money
from easypay.web.forms import parse_date, parse_id
from easypay.web.i18n import translate
from easypay.web.rendering import KST, is_htmx, render
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal

router = page_router()

KINDS = ("charge", "withdrawal", "transfer", "bank_transfer", "request_payment")
PAGE_SIZE = 20


def _start_of(day: date) -> datetime:
    """Midnight in Korea, where the user reads the dates."""
    return datetime.combine(day, time(0), KST)


@router.get("/history")
async def history_page(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    query = request.query_params
    kind = query.get("kind", "")
    kind = kind if kind in KINDS else ""
    raw_from, raw_to = query.get("from", ""), query.get("to", "")
    day_from, day_to = parse_date(raw_from), parse_date(raw_to)
    error = None
    if (raw_from and day_from is None) or (raw_to and day_to is None):
        error = translate("history.bad_date", visitor.lang)
    if day_from and day_to and day_from > day_to:
        day_from, day_to = day_to, day_from
    since = _start_of(day_from) if day_from else None
    until = _start_of(day_to + timedelta(days=1)) if day_to else None
    cursor = parse_id(query.get("cursor"))

    found = await money.history(
        db, principal.user, [kind] if kind else [], since, until, cursor, PAGE_SIZE + 1
    )
    activities = found[:PAGE_SIZE]
    filters = {
        "kind": kind,
        "from": day_from.isoformat() if day_from else "",
        "to": day_to.isoformat() if day_to else "",
    }
    more_query = None
    if len(found) > PAGE_SIZE:
        more = {key: value for key, value in filters.items() if value}
        more["cursor"] = str(activities[-1].transfer.id)
        more_query = urlencode(more)
    context = {
        "activities": activities,
        "more_query": more_query,
        "filters": filters,
        "kinds": KINDS,
        "error": error,
    }
    template = "history/_page.html" if is_htmx(request) and cursor else "history/index.html"
    return await render(request, template, context)
