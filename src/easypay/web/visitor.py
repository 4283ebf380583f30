"""Who is looking at a page: their session (cookie), language and CSRF nonce.

Resolved once per request (`get_visitor`, cached on `request.state`) by the web route wrapper
and by the page dependencies `WebPrincipal` / `WebOperator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from easypay.config import Settings
from easypay.db import database_of
from easypay.identity import service as identity
from easypay.identity.dependencies import SESSION_COOKIE
from easypay.identity.errors import OperatorOnly
from easypay.identity.service import Principal
from easypay.notification import service as notification
from easypay.web import csrf
from easypay.web.i18n import LANGUAGES, language_or_default

LANG_COOKIE = "lang"
MAX_COOKIE_LENGTH = 200


class SignInRequired(Exception):
    """The page needs a signed-in visitor; the route wrapper redirects to /signin."""


@dataclass
class Visitor:
    principal: Principal | None
    session_token: str | None  # set only when it names a live session
    stale_session: bool  # a session cookie that no longer works (to be deleted)
    lang: str
    csrf_nonce: str | None
    csrf_nonce_is_new: bool = False
    unread: int = 0  # inbox messages not yet read (the badge in the top bar)

    @property
    def signed_in(self) -> bool:
        return self.principal is not None

    def csrf_token(self, secret: bytes) -> str:
        if self.session_token is None and self.csrf_nonce is None:
            self.csrf_nonce = csrf.new_nonce()
            self.csrf_nonce_is_new = True
        token = csrf.expected_token(secret, self.session_token, self.csrf_nonce)
        assert token is not None
        return token


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _cookie(request: Request, name: str) -> str | None:
    value = request.cookies.get(name)
    if not value or len(value) > MAX_COOKIE_LENGTH:
        return None
    return value


async def get_visitor(request: Request) -> Visitor:
    cached = getattr(request.state, "web_visitor", None)
    if isinstance(cached, Visitor):
        return cached
    token = _cookie(request, SESSION_COOKIE)
    database = database_of(request)
    principal = await identity.authenticate(database, token) if token else None
    unread = 0
    if principal is not None:
        # Its own short transaction, now: later the request's session may hold SQLite's lock.
        async with database.transaction() as session:
            unread = await notification.unread_count(session, principal.user)
    lang_cookie = _cookie(request, LANG_COOKIE)
    if lang_cookie in LANGUAGES:
        lang = language_or_default(lang_cookie)
    elif principal is not None:
        lang = language_or_default(principal.user.language)
    else:
        lang = language_or_default(None)
    visitor = Visitor(
        principal=principal,
        session_token=token if principal is not None else None,
        stale_session=token is not None and principal is None,
        lang=lang,
        csrf_nonce=_cookie(request, csrf.CSRF_COOKIE),
        unread=unread,
    )
    request.state.web_visitor = visitor
    return visitor


async def check_csrf(request: Request) -> None:
    """Raise CsrfRejected unless the unsafe request carries this visitor's token."""
    visitor = await get_visitor(request)
    submitted = request.headers.get(csrf.CSRF_HEADER)
    if not submitted:
        form = await request.form()
        value = form.get(csrf.CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    csrf.check(
        settings_of(request).server_secret, visitor.session_token, visitor.csrf_nonce, submitted
    )


async def _visitor(request: Request) -> Visitor:
    return await get_visitor(request)


CurrentVisitor = Annotated[Visitor, Depends(_visitor)]


async def _principal(visitor: CurrentVisitor) -> Principal:
    if visitor.principal is None:
        raise SignInRequired()
    return visitor.principal


WebPrincipal = Annotated[Principal, Depends(_principal)]


async def _operator(principal: WebPrincipal) -> Principal:
    if not principal.user.is_operator:
        raise OperatorOnly()
    return principal


WebOperator = Annotated[Principal, Depends(_operator)]
