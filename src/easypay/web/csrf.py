"""CSRF tokens for every form.

A signed-in visitor's token is an HMAC (keyed with the server secret) of the SHA-256 of their
session token: it changes with every sign-in, needs no storage, and cannot be computed without
both the session cookie and the secret. A signed-out visitor (sign-in and sign-up forms, the
language switch) gets a signed double-submit token: a random nonce in an HttpOnly cookie and the
HMAC of that nonce in the form.

Every unsafe request through the web router is checked before its handler runs
(`web.route.WebRoute`); a missing or wrong token is a 403 page and nothing changes.
"""

from __future__ import annotations

from easypay.kit.crypto import constant_time_equal, keyed_hash, new_token, sha256_hex

CSRF_COOKIE = "easypay_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class CsrfRejected(Exception):
    """The form did not carry the token this visitor's cookies call for."""


def new_nonce() -> str:
    return new_token(24)


def session_token(secret: bytes, session_token_value: str) -> str:
    return keyed_hash(secret, "web-csrf", "session", sha256_hex(session_token_value))


def anonymous_token(secret: bytes, nonce: str) -> str:
    return keyed_hash(secret, "web-csrf", "anonymous", nonce)


def expected_token(secret: bytes, session: str | None, nonce: str | None) -> str | None:
    """The token this visitor's forms carry: bound to the session when there is one."""
    if session:
        return session_token(secret, session)
    if nonce:
        return anonymous_token(secret, nonce)
    return None


def check(secret: bytes, session: str | None, nonce: str | None, submitted: str | None) -> None:
    expected = expected_token(secret, session, nonce)
    if not expected or not submitted or not constant_time_equal(expected, submitted):
        raise CsrfRejected()
