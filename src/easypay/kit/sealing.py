"""Sealing small secrets that the server must read back (webhook signing secrets).

AES-256-GCM with a key derived by HKDF-SHA256 from the server secret, which lives outside the
database: a copy of the database alone cannot open what is sealed here. Each sealed value is bound
to a purpose and a context (e.g. the merchant's id) as associated data, so a value copied to
another row or another use does not open either.

Format: `v1.` + base64url(12-byte nonce + ciphertext + 16-byte tag), without padding.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
NONCE_BYTES = 12
_INFO = b"easypay sealing v1: "


class SealBroken(Exception):
    """The sealed value was altered, or was sealed with another server secret, purpose or
    context."""


def _key(server_secret: bytes, purpose: str) -> bytes:
    if not server_secret:
        raise ValueError("the server secret is empty")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + purpose.encode())
    return hkdf.derive(server_secret)


def _associated(purpose: str, context: str) -> bytes:
    return f"{purpose}\x1f{context}".encode()


def seal(server_secret: bytes, plaintext: str, *, purpose: str, context: str = "") -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(server_secret, purpose)).encrypt(
        nonce, plaintext.encode(), _associated(purpose, context)
    )
    return f"{VERSION}." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(server_secret: bytes, sealed: str, *, purpose: str, context: str = "") -> str:
    version, _, encoded = sealed.partition(".")
    if version != VERSION or not encoded:
        raise SealBroken("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as error:
        raise SealBroken("not a sealed value") from error
    if len(raw) <= NONCE_BYTES + 16:
        raise SealBroken("not a sealed value")
    try:
        plaintext = AESGCM(_key(server_secret, purpose)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(purpose, context)
        )
    except InvalidTag as error:
        raise SealBroken("the sealed value cannot be opened with this server secret") from error
    return plaintext.decode()
