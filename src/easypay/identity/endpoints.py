"""Identity API: sign-up, sessions, the payment PIN, settings, friends."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from easypay.config import AppSettings
from easypay.db import DbSession, database_of
from easypay.errors import InvalidInput, RateLimited, error_responses
from easypay.identity import errors, service
from easypay.identity.dependencies import CurrentPrincipal, CurrentUser
from easypay.identity.schemas import (
    FriendCreate,
    FriendRead,
    PinChange,
    PinReset,
    PinSet,
    SessionCreated,
    SessionRead,
    SettingsUpdate,
    SignIn,
    UserCreate,
    UserRead,
)
from easypay.kit.ids import PathId
from easypay.models import User

router = APIRouter(prefix="/api/v1", tags=["identity"])


def user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        phone=user.phone,
        name=user.name,
        birth_date=user.birth_date,
        pin_set=user.pin_hash is not None,
        pin_locked=user.pin_locked_at is not None,
        auto_charge_enabled=user.auto_charge_enabled,
        language=user.language,
        is_operator=user.is_operator,
        created_at=user.created_at,
    )


@router.post(
    "/users",
    status_code=201,
    summary="Sign up",
    responses=error_responses(InvalidInput, errors.PhoneTaken, errors.WeakPassword),
)
async def sign_up(body: UserCreate, db: DbSession) -> UserRead:
    user = await service.sign_up(db, body.phone, body.name, body.birth_date, body.password)
    return user_read(user)


@router.post(
    "/sessions",
    status_code=201,
    summary="Sign in (get a Bearer token)",
    responses=error_responses(errors.InvalidCredentials, RateLimited, errors.AccountSuspended),
)
async def sign_in(body: SignIn, request: Request, settings: AppSettings) -> SessionCreated:
    principal, token = await service.sign_in(
        database_of(request),
        settings,
        body.phone,
        body.password,
        "api",
        request.headers.get("user-agent", ""),
        request.client.host if request.client else "",
    )
    return SessionCreated(
        token=token,
        session_id=principal.session.id,
        expires_at=principal.session.expires_at,
        user=user_read(principal.user),
    )


@router.get(
    "/sessions", summary="My active sessions", responses=error_responses(errors.NotSignedIn)
)
async def list_sessions(principal: CurrentPrincipal, db: DbSession) -> list[SessionRead]:
    sessions = await service.list_sessions(db, principal.user)
    return [
        SessionRead.model_validate(s).model_copy(update={"current": s.id == principal.session.id})
        for s in sessions
    ]


@router.delete(
    "/sessions/current",
    status_code=204,
    summary="Sign out",
    responses=error_responses(errors.NotSignedIn),
)
async def sign_out(principal: CurrentPrincipal, db: DbSession) -> Response:
    await service.revoke_session(db, principal.user, principal.session.id)
    return Response(status_code=204)


@router.delete(
    "/sessions/{session_id}",
    status_code=204,
    summary="Revoke one of my sessions",
    responses=error_responses(errors.NotSignedIn, errors.SessionNotFound),
)
async def revoke_session(session_id: PathId, user: CurrentUser, db: DbSession) -> Response:
    await service.revoke_session(db, user, session_id)
    return Response(status_code=204)


@router.get("/me", summary="Me", responses=error_responses(errors.NotSignedIn))
async def me(user: CurrentUser, db: DbSession) -> UserRead:
    return user_read(await service._reload(db, user.id))


@router.patch(
    "/me/settings", summary="Change my settings", responses=error_responses(errors.NotSignedIn)
)
async def update_settings(body: SettingsUpdate, user: CurrentUser, db: DbSession) -> UserRead:
    fresh = await service.update_settings(db, user, body.auto_charge_enabled, body.language)
    return user_read(fresh)


@router.put(
    "/me/pin",
    status_code=204,
    summary="Set the payment PIN (first time)",
    responses=error_responses(errors.NotSignedIn, errors.PinAlreadySet, errors.WeakPin),
)
async def set_pin(
    body: PinSet, user: CurrentUser, db: DbSession, settings: AppSettings
) -> Response:
    await service.set_pin(db, settings.server_secret, user, body.pin)
    return Response(status_code=204)


@router.post(
    "/me/pin/change",
    status_code=204,
    summary="Change the payment PIN (needs the old one)",
    responses=error_responses(
        errors.NotSignedIn, errors.WrongPin, errors.PinLocked, errors.PinNotSet, errors.WeakPin
    ),
)
async def change_pin(
    body: PinChange, user: CurrentUser, request: Request, settings: AppSettings
) -> Response:
    await service.change_pin(database_of(request), settings, user, body.old_pin, body.new_pin)
    return Response(status_code=204)


@router.post(
    "/me/pin/reset",
    status_code=204,
    summary="Reset the payment PIN with the password (also unlocks)",
    responses=error_responses(
        errors.NotSignedIn, errors.InvalidCredentials, errors.WeakPin, RateLimited
    ),
)
async def reset_pin(
    body: PinReset, user: CurrentUser, request: Request, settings: AppSettings
) -> Response:
    await service.reset_pin(database_of(request), settings, user, body.password, body.new_pin)
    return Response(status_code=204)


@router.get("/friends", summary="My friends", responses=error_responses(errors.NotSignedIn))
async def list_friends(user: CurrentUser, db: DbSession) -> list[FriendRead]:
    return [_friend_read(f, u) for f, u in await service.list_friends(db, user)]


@router.post(
    "/friends",
    status_code=201,
    summary="Add a friend by phone number",
    responses=error_responses(
        errors.NotSignedIn, errors.UserNotFound, errors.AlreadyFriends, errors.CannotFriendSelf
    ),
)
async def add_friend(body: FriendCreate, user: CurrentUser, db: DbSession) -> FriendRead:
    friend, other = await service.add_friend(db, user, body.phone)
    return _friend_read(friend, other)


@router.delete(
    "/friends/{friend_user_id}",
    status_code=204,
    summary="Remove a friend",
    responses=error_responses(errors.NotSignedIn, errors.FriendNotFound),
)
async def remove_friend(friend_user_id: PathId, user: CurrentUser, db: DbSession) -> Response:
    await service.remove_friend(db, user, friend_user_id)
    return Response(status_code=204)


def _friend_read(friend: object, other: User) -> FriendRead:
    return FriendRead(
        user_id=other.id,
        name=other.name,
        phone=other.phone,
        added_at=friend.created_at,  # type: ignore[attr-defined]
    )
