"""The inbox: the visitor's messages, worded in their language, newest first; opening one marks
it read and goes to the page it is about."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request, Response

from easypay.db import DbSession
from easypay.kit.ids import PathId
from easypay.models import Notification
from easypay.notification import messages
from easypay.notification import service as notification
from easypay.web.forms import parse_id
from easypay.web.rendering import is_htmx, redirect, render, safe_next, with_notice
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal

router = page_router()

PAGE_SIZE = 30


@dataclass(frozen=True)
class Message:
    notification: Notification
    title: str
    body: str

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


@router.get("/inbox")
async def inbox_page(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    cursor = parse_id(request.query_params.get("cursor"))
    found = await notification.inbox(db, principal.user, False, cursor, PAGE_SIZE + 1)
    shown = []
    for item in found[:PAGE_SIZE]:
        title, body = messages.render(item.kind, item.data, visitor.lang)
        shown.append(Message(item, title, body))
    more_query = None
    if len(found) > PAGE_SIZE:
        more_query = urlencode({"cursor": str(shown[-1].notification.id)})
    context = {"messages": shown, "more_query": more_query}
    template = "inbox/_page.html" if is_htmx(request) and cursor else "inbox/index.html"
    return await render(request, template, context)


@router.post("/inbox/{notification_id}/open")
async def open_message(
    request: Request, notification_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    opened = await notification.mark_read(db, principal.user, notification_id)
    return await redirect(request, safe_next(opened.link) if opened.link else "/inbox")


@router.post("/inbox/read-all")
async def mark_all_read(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    await notification.mark_all_read(db, principal.user)
    return await redirect(request, with_notice("/inbox", "inbox_read"))
