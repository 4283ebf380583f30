"""Inbox API: list one's messages, the unread count, mark read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from easypay.db import DbSession
from easypay.errors import error_responses
from easypay.identity import errors as identity_errors
from easypay.identity.dependencies import CurrentUser
from easypay.kit.ids import MAX_ID, PathId
from easypay.kit.pagination import Page
from easypay.models import Notification
from easypay.notification import messages, service
from easypay.notification.errors import NotificationNotFound
from easypay.notification.schemas import MarkedRead, NotificationRead, UnreadCount

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"])


def notification_read(notification: Notification, lang: str) -> NotificationRead:
    title, body = messages.render(notification.kind, notification.data, lang)
    return NotificationRead(
        id=notification.id,
        kind=notification.kind,
        title=title,
        body=body,
        link=notification.link,
        data=notification.data,
        created_at=notification.created_at,
        read=notification.read_at is not None,
    )


@router.get(
    "", summary="My inbox, newest first", responses=error_responses(identity_errors.NotSignedIn)
)
async def inbox(
    user: CurrentUser,
    db: DbSession,
    unread: Annotated[bool, Query(description="Only unread messages.")] = False,
    cursor: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
) -> Page[NotificationRead]:
    rows = await service.inbox(db, user, unread, cursor, limit + 1)
    items = [notification_read(n, user.language) for n in rows[:limit]]
    next_cursor = str(items[-1].id) if len(rows) > limit else None
    return Page[NotificationRead](items=items, next_cursor=next_cursor)


@router.get(
    "/unread-count",
    summary="How many messages are unread",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def unread_count(user: CurrentUser, db: DbSession) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(db, user))


@router.post(
    "/{notification_id}/read",
    summary="Mark one message read",
    responses=error_responses(identity_errors.NotSignedIn, NotificationNotFound),
)
async def mark_read(notification_id: PathId, user: CurrentUser, db: DbSession) -> NotificationRead:
    notification = await service.mark_read(db, user, notification_id)
    return notification_read(notification, user.language)


@router.post(
    "/read-all",
    summary="Mark every message read",
    responses=error_responses(identity_errors.NotSignedIn),
)
async def mark_all_read(user: CurrentUser, db: DbSession) -> MarkedRead:
    return MarkedRead(marked=await service.mark_all_read(db, user))
