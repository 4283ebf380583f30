"""Who is calling: typed dependencies for endpoints (`user: CurrentUser`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from easypay.db import database_of
from easypay.identity import service
from easypay.identity.errors import NotSignedIn, OperatorOnly
from easypay.identity.service import Principal
from easypay.models import User

SESSION_COOKIE = "easypay_session"

_bearer = HTTPBearer(auto_error=False, description="A token from `POST /api/v1/sessions`.")


async def _api_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise NotSignedIn()
    principal = await service.authenticate(database_of(request), credentials.credentials)
    if principal is None:
        raise NotSignedIn("The token is unknown, expired or revoked. Sign in again.")
    request.state.principal = principal
    request.state.idempotency_scope = f"user:{principal.user.id}"
    return principal


CurrentPrincipal = Annotated[Principal, Depends(_api_principal)]


async def _current_user(principal: CurrentPrincipal) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(_current_user)]


async def _current_operator(principal: CurrentPrincipal) -> User:
    if not principal.user.is_operator:
        raise OperatorOnly()
    return principal.user


CurrentOperator = Annotated[User, Depends(_current_operator)]
