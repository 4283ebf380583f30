"""Identity rules: accounts, sessions, the payment PIN, friends.

Functions that take a `Database` run their own short transactions because what they record
(a wrong PIN, a sign-in attempt) must persist even when the caller's request fails.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.config import Settings
from easypay.db import Database
from easypay.errors import EasyPayError, InvalidInput, RateLimited
from easypay.identity import repository
from easypay.identity.errors import (
    AccountSuspended,
    AlreadyFriends,
    CannotFriendSelf,
    FriendNotFound,
    InvalidCredentials,
    PhoneTaken,
    PinAlreadySet,
    PinLocked,
    PinNotSet,
    SessionNotFound,
    UserNotFound,
    WrongPin,
)
from easypay.identity.passwords import check_password_strength, check_pin_strength, pin_digest
from easypay.kit import ratelimit
from easypay.kit.clock import clock
from easypay.kit.crypto import constant_time_equal, hash_password, new_token, sha256_hex
from easypay.kit.crypto import verify_password as _verify_password
from easypay.kit.phone import InvalidPhoneNumber, normalize_phone
from easypay.ledger import service as ledger
from easypay.models import AuditEvent, Friend, User, UserSession

NAME_PATTERN = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)*$")
MIN_AGE_YEARS = 14
# Verified against when the phone is unknown, so a wrong phone costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-1")


# --- accounts ---------------------------------------------------------------------------------


def parse_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber as error:
        raise InvalidInput(f"Phone number: {error}.") from error


def clean_name(raw: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not 1 <= len(name) <= 50 or not NAME_PATTERN.match(name):
        raise InvalidInput("Enter your real name in letters (up to 50).")
    return name


def check_birth_date(birth_date: date) -> None:
    today = clock.now().date()
    oldest = date(today.year - 120, 1, 1)
    try:
        youngest = today.replace(year=today.year - MIN_AGE_YEARS)
    except ValueError:  # 29 February
        youngest = today.replace(year=today.year - MIN_AGE_YEARS, day=28)
    if not oldest <= birth_date <= youngest:
        raise InvalidInput(f"You must be at least {MIN_AGE_YEARS} years old to use EasyPay.")


# What other packages do when someone joins, in the sign-up transaction (money sent to the
# phone number before its owner joined becomes theirs to receive: transfer/service/claims.py).
SignedUpListener = Callable[[AsyncSession, User], Awaitable[None]]
SIGNED_UP_LISTENERS: list[SignedUpListener] = []


async def sign_up(
    session: AsyncSession,
    phone: str,
    name: str,
    birth_date: date,
    password: str,
    is_operator: bool = False,
) -> User:
    """Create a user and their Pay Money wallet."""
    e164 = parse_phone(phone)
    clean = clean_name(name)
    check_birth_date(birth_date)
    check_password_strength(password, e164.lstrip("+"))
    if await repository.user_by_phone(session, e164) is not None:
        raise PhoneTaken()
    password_hash = await anyio.to_thread.run_sync(hash_password, password)
    user = User(
        phone=e164,
        name=clean,
        birth_date=birth_date,
        password_hash=password_hash,
        pin_failures=0,
        is_operator=is_operator,
        status="active",
        auto_charge_enabled=True,
        language="ko",
        created_at=clock.now(),
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:  # a concurrent sign-up with the same phone won
        raise PhoneTaken() from error
    await ledger.open_user_wallet(session, user.id)
    await record_event(session, user.id, "user.signed_up", "operator" if is_operator else "")
    if not is_operator:
        for listener in SIGNED_UP_LISTENERS:
            await listener(session, user)
    return user


async def update_settings(
    session: AsyncSession, user: User, auto_charge_enabled: bool | None, language: str | None
) -> User:
    fresh = await _reload(session, user.id)
    if auto_charge_enabled is not None:
        fresh.auto_charge_enabled = auto_charge_enabled
    if language is not None:
        fresh.language = language
    return fresh


async def _reload(session: AsyncSession, user_id: int, for_update: bool = False) -> User:
    user = await repository.user_by_id(session, user_id, for_update)
    if user is None:
        raise UserNotFound()
    return user


# --- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user and the session they signed in with."""

    user: User
    session: UserSession


async def sign_in(
    database: Database,
    settings: Settings,
    phone: str,
    password: str,
    kind: str,
    user_agent: str = "",
    ip_address: str = "",
) -> tuple[Principal, str]:
    """Check the password and open a session; returns it with its token (shown once)."""
    e164 = parse_phone(phone)
    window = settings.rate_window_seconds
    phone_key, ip_key = f"signin-phone:{e164}", f"signin-ip:{ip_address}"
    if (
        await ratelimit.attempts(database, phone_key, window) >= settings.signin_limit_per_phone
        or await ratelimit.attempts(database, ip_key, window) >= settings.signin_limit_per_ip
    ):
        raise RateLimited("Too many sign-in attempts. Wait a few minutes and try again.")
    async with database.transaction() as session:
        user = await repository.user_by_phone(session, e164)
    stored_hash = user.password_hash if user else _DUMMY_HASH
    if not await anyio.to_thread.run_sync(_verify_password, stored_hash, password) or not user:
        await ratelimit.hit(database, phone_key, settings.signin_limit_per_phone, window)
        await ratelimit.hit(database, ip_key, settings.signin_limit_per_ip, window)
        raise InvalidCredentials()
    if user.status != "active":
        raise AccountSuspended()
    async with database.transaction() as session:
        return await open_session(session, settings, user, kind, user_agent, ip_address)


async def open_session(
    session: AsyncSession,
    settings: Settings,
    user: User,
    kind: str,
    user_agent: str = "",
    ip_address: str = "",
    method: str = "",
) -> tuple[Principal, str]:
    """A new session for a user already proven to be who they say (password or certificate),
    in the caller's transaction; returns it with its token (shown once). `method` is noted in
    the audit event when it is not the password."""
    token = new_token()
    now = clock.now()
    user_session = UserSession(
        user_id=user.id,
        token_hash=sha256_hex(token),
        kind=kind,
        user_agent=user_agent[:200],
        ip_address=ip_address[:64],
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=settings.session_days),
    )
    session.add(user_session)
    await record_event(session, user.id, "user.signed_in", f"{kind} {method}" if method else kind)
    return Principal(user, user_session), token


async def authenticate(database: Database, token: str) -> Principal | None:
    """The principal behind a session token, or None. Its own short transaction, so that the
    request transaction has not begun yet when an endpoint starts."""
    now = clock.now()
    async with database.transaction() as session:
        found = await repository.active_session(session, sha256_hex(token), now)
        if found is None:
            return None
        user_session, user = found
        if now - user_session.last_seen_at > timedelta(minutes=5):  # write rarely
            user_session.last_seen_at = now
    if user.status != "active":
        return None
    return Principal(user, user_session)


async def list_sessions(session: AsyncSession, user: User) -> list[UserSession]:
    return await repository.sessions_of(session, user.id, clock.now())


async def revoke_session(session: AsyncSession, user: User, session_id: int) -> None:
    user_session = await repository.session_of_user(session, user.id, session_id)
    if user_session is None or user_session.revoked_at is not None:
        raise SessionNotFound()
    user_session.revoked_at = clock.now()


# --- the payment PIN --------------------------------------------------------------------------


async def set_pin(session: AsyncSession, secret: bytes, user: User, pin: str) -> None:
    fresh = await _reload(session, user.id, for_update=True)
    if fresh.pin_hash is not None:
        raise PinAlreadySet()
    check_pin_strength(pin, fresh.birth_date)
    fresh.pin_hash = pin_digest(secret, fresh.id, pin)
    await record_event(session, fresh.id, "pin.set")


async def change_pin(
    database: Database, settings: Settings, user: User, old_pin: str, new_pin: str
) -> None:
    await check_pin(database, settings, user.id, old_pin)
    async with database.transaction() as session:
        fresh = await _reload(session, user.id, for_update=True)
        check_pin_strength(new_pin, fresh.birth_date)
        fresh.pin_hash = pin_digest(settings.server_secret, fresh.id, new_pin)
        await record_event(session, fresh.id, "pin.changed")


async def reset_pin(
    database: Database, settings: Settings, user: User, password: str, new_pin: str
) -> None:
    """Set a new PIN with the password; this also lifts a PIN lock."""
    async with database.transaction() as session:
        fresh = await _reload(session, user.id)
    key = f"pin-reset:{user.id}"
    if (
        await ratelimit.attempts(database, key, settings.rate_window_seconds)
        >= settings.pin_reset_limit_per_user
    ):
        raise RateLimited()
    if not await anyio.to_thread.run_sync(_verify_password, fresh.password_hash, password):
        await ratelimit.hit(
            database, key, settings.pin_reset_limit_per_user, settings.rate_window_seconds
        )
        raise InvalidCredentials("The password is wrong.")
    check_pin_strength(new_pin, fresh.birth_date)
    async with database.transaction() as session:
        fresh = await _reload(session, user.id, for_update=True)
        fresh.pin_hash = pin_digest(settings.server_secret, fresh.id, new_pin)
        fresh.pin_failures = 0
        fresh.pin_locked_at = None
        await record_event(session, fresh.id, "pin.reset")


async def check_pin(database: Database, settings: Settings, user_id: int, pin: str) -> None:
    """Every value-moving action calls this first (or `pin_checked`). A wrong PIN is counted (and
    committed) even though the action is refused; the fifth in a row locks value-moving actions."""
    async with pin_checked(database, settings, user_id, pin):
        pass


@asynccontextmanager
async def pin_checked(
    database: Database, settings: Settings, user_id: int, pin: str
) -> AsyncIterator[AsyncSession]:
    """A transaction that begins with the PIN check and goes on with the caller's block: one
    transaction less than `check_pin` and then another (issue 6's load profile). A wrong PIN
    is counted and committed, then refused, and the block does not run."""
    async with database.transaction() as session:
        refusal = await _pin_refusal(session, settings, user_id, pin)
        if refusal is None:
            yield session
            return
    raise refusal


async def _pin_refusal(
    session: AsyncSession, settings: Settings, user_id: int, pin: str
) -> EasyPayError | None:
    """None for the right PIN; otherwise the refusal, the failure already counted."""
    user = await _reload(session, user_id)
    if user.pin_hash is None:
        return PinNotSet()
    if user.pin_locked_at is not None:
        return PinLocked()
    right = constant_time_equal(pin_digest(settings.server_secret, user_id, pin), user.pin_hash)
    if right:
        if user.pin_failures:  # most right PINs follow no wrong one: no write then
            await repository.clear_pin_failures(session, user_id)
        return None
    failures = await repository.count_pin_failure(
        session, user_id, settings.pin_max_failures, clock.now()
    )
    if failures == settings.pin_max_failures:
        await record_event(session, user_id, "pin.locked")
    if failures is None or failures >= settings.pin_max_failures:
        return PinLocked()
    left = settings.pin_max_failures - failures
    return WrongPin(f"The payment PIN is wrong. {left} tries left before payments lock.")


# --- friends ----------------------------------------------------------------------------------


async def add_friend(session: AsyncSession, user: User, phone: str) -> tuple[Friend, User]:
    other = await repository.user_by_phone(session, parse_phone(phone))
    if other is None:
        raise UserNotFound()
    if other.id == user.id:
        raise CannotFriendSelf()
    if await repository.friendship(session, user.id, other.id) is not None:
        raise AlreadyFriends()
    friend = Friend(user_id=user.id, friend_user_id=other.id, created_at=clock.now())
    session.add(friend)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise AlreadyFriends() from error
    return friend, other


async def remove_friend(session: AsyncSession, user: User, friend_user_id: int) -> None:
    friend = await repository.friendship(session, user.id, friend_user_id)
    if friend is None:
        raise FriendNotFound()
    await session.delete(friend)


async def list_friends(session: AsyncSession, user: User) -> list[tuple[Friend, User]]:
    return await repository.friends_of(session, user.id)


# --- audit ------------------------------------------------------------------------------------


async def record_event(
    session: AsyncSession, user_id: int | None, kind: str, detail: str = ""
) -> None:
    session.add(AuditEvent(user_id=user_id, kind=kind, detail=detail[:300], created_at=clock.now()))
