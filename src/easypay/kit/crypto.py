"""Tokens, keyed hashes and password hashing."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

_password_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token (session tokens, API keys)."""
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str | bytes) -> str:
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def keyed_hash(key: bytes, *parts: str) -> str:
    """HMAC-SHA256 over the parts; without `key` the digest reveals nothing searchable."""
    message = "\x1f".join(parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(stored_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def use_fast_password_hashing() -> None:
    """Tests only: argon2id at its cheapest, so hundreds of sign-ups stay quick. Hashes made
    this way still verify, since argon2 stores its parameters in each hash."""
    global _password_hasher
    _password_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
