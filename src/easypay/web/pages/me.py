"""The signed-in user's own things: settings, sessions (devices), friends."""

from __future__ import annotations

from fastapi import Request, Response

from easypay.db import DbSession
from easypay.errors import EasyPayError
from easypay.identity import service as identity
from easypay.kit.ids import PathId
from easypay.web.forms import read_form
from easypay.web.i18n import LANGUAGES, error_text, translate
from easypay.web.rendering import (
    clear_session_cookie,
    redirect,
    render,
    set_language_cookie,
    with_notice,
)
from easypay.web.route import page_router
from easypay.web.visitor import CurrentVisitor, WebPrincipal

router = page_router()

_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS", "macOS"),
    ("Linux", "Linux"),
)


def describe_agent(user_agent: str, lang: str) -> str:
    """`Chrome · Android` from a User-Agent header; the raw text (cut) when unrecognised."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    return user_agent[:40] or translate("sessions.unknown_agent", lang)


# --- settings ---------------------------------------------------------------------------------


@router.get("/settings")
async def settings_page(request: Request, principal: WebPrincipal) -> Response:
    return await render(request, "me/settings.html")


@router.post("/settings")
async def save_settings(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    form = await read_form(request)
    language = form.get("language")
    language = language if language in LANGUAGES else None
    await identity.update_settings(db, principal.user, form.get("auto_charge") == "on", language)
    response = await redirect(request, with_notice("/settings", "settings_saved"))
    if language:
        set_language_cookie(request, response, language)
    return response


# --- sessions ---------------------------------------------------------------------------------


@router.get("/sessions")
async def sessions_page(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    sessions = await identity.list_sessions(db, principal.user)
    context = {
        "sessions": sessions,
        "current_id": principal.session.id,
        "agent": lambda value: describe_agent(value, visitor.lang),
    }
    return await render(request, "me/sessions.html", context)


@router.post("/sessions/{session_id}/revoke")
async def revoke_session(
    request: Request, session_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    await identity.revoke_session(db, principal.user, session_id)
    if session_id == principal.session.id:
        response = await redirect(request, with_notice("/signin", "signed_out"))
        clear_session_cookie(request, response)
        return response
    return await redirect(request, with_notice("/sessions", "session_revoked"))


# --- friends ----------------------------------------------------------------------------------


async def _friends_page(
    request: Request,
    principal: WebPrincipal,
    db: DbSession,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    friends = await identity.list_friends(db, principal.user)
    context = {"friends": friends, "form": form or {}, "error": error}
    return await render(request, "me/friends.html", context, status_code)


@router.get("/friends")
async def friends_page(request: Request, principal: WebPrincipal, db: DbSession) -> Response:
    return await _friends_page(request, principal, db)


@router.post("/friends")
async def add_friend(
    request: Request, principal: WebPrincipal, visitor: CurrentVisitor, db: DbSession
) -> Response:
    form = await read_form(request)
    phone = form.get("phone", "")
    try:
        await identity.add_friend(db, principal.user, phone)
    except EasyPayError as failure:
        await db.rollback()
        error = error_text(failure, visitor.lang)
        return await _friends_page(request, principal, db, {"phone": phone}, error, failure.status)
    return await redirect(request, with_notice("/friends", "friend_added"))


@router.post("/friends/{friend_user_id}/remove")
async def remove_friend(
    request: Request, friend_user_id: PathId, principal: WebPrincipal, db: DbSession
) -> Response:
    await identity.remove_friend(db, principal.user, friend_user_id)
    return await redirect(request, with_notice("/friends", "friend_removed"))
