"""Server-held private keys, sealed under the certificate PIN and the server secret.

The key-encryption key is HKDF-SHA256 over two secrets: Argon2id(PIN, salt) and a key derived
from the server secret, which lives outside the database. A 6-digit PIN has only 10^6 values, so
Argon2id alone would fall to an offline search after a database leak; without the server secret
not even the right PIN opens a copy. The private key (PKCS#8 DER) is encrypted with AES-256-GCM;
the format version, the Argon2 parameters, the salt and an optional context (e.g. the
certificate's serial) are authenticated, so a sealed key moved to another row does not open.

Sealed format: b"EPK1" | time_cost u32 | memory_cost KiB u32 | parallelism u8 |
    server-secret check (8 bytes) | nonce (12) | ciphertext + tag.

The server-secret check is an HMAC of the server secret and the salt. It reveals nothing about
the PIN; it only lets `open_private_key` tell a misconfigured server (ServerSecretMismatch, not
the user's fault and not to be counted towards the 5-wrong-PIN lock) from a wrong PIN (WrongPin).
The decryption is always attempted first, so the check never short-cuts the work.

Production Argon2id parameters (`PRODUCTION`): t=3, m=64 MiB, p=4, the RFC 9106 §4 second
recommended option; about 0.1-0.3 s per attempt on a server core. Tests pass cheaper ones.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from easypay.certificate.pki.errors import ServerSecretMismatch, WrongPin

_MAGIC = b"EPK1"
_HEADER = struct.Struct(">4sIIB")
_CHECK_BYTES = 8
_NONCE_BYTES = 12
_MIN_SALT_BYTES = 16
_MAX_MEMORY_KIB = 1024 * 1024  # refuse to open anything asking for more than 1 GiB
_KEK_INFO = b"easypay custody v1: key-encryption key"
_SERVER_KEY_INFO = b"easypay custody v1: server key"
_CHECK_INFO = b"easypay custody v1: server secret check"


@dataclass(frozen=True)
class ArgonParameters:
    time_cost: int
    memory_cost_kib: int
    parallelism: int

    def __post_init__(self) -> None:
        if not (1 <= self.time_cost <= 100 and 1 <= self.parallelism <= 16):
            raise ValueError("Argon2 time cost 1-100, parallelism 1-16")
        if not 8 * self.parallelism <= self.memory_cost_kib <= _MAX_MEMORY_KIB:
            raise ValueError("Argon2 memory is 8×parallelism KiB to 1 GiB")


PRODUCTION = ArgonParameters(time_cost=3, memory_cost_kib=64 * 1024, parallelism=4)
FAST_FOR_TESTS = ArgonParameters(time_cost=1, memory_cost_kib=64, parallelism=1)


class SealedKeyUnreadable(ValueError):
    """The bytes are not a sealed key of this format."""


def new_salt() -> bytes:
    return os.urandom(16)


def is_valid_pin(pin: str) -> bool:
    return isinstance(pin, str) and len(pin) == 6 and pin.isascii() and pin.isdigit()


def seal_private_key(
    private_key: ec.EllipticCurvePrivateKey,
    pin: str,
    server_secret: bytes,
    salt: bytes,
    *,
    context: bytes = b"",
    parameters: ArgonParameters = PRODUCTION,
) -> bytes:
    _check_inputs(pin, server_secret, salt)
    header = _HEADER.pack(
        _MAGIC, parameters.time_cost, parameters.memory_cost_kib, parameters.parallelism
    )
    check = _server_check(server_secret, salt)
    nonce = os.urandom(_NONCE_BYTES)
    plaintext = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    kek = _key_encryption_key(pin, server_secret, salt, parameters)
    sealed = AESGCM(kek).encrypt(nonce, plaintext, header + check + salt + context)
    return header + check + nonce + sealed


def open_private_key(
    sealed: bytes,
    pin: str,
    server_secret: bytes,
    salt: bytes,
    *,
    context: bytes = b"",
) -> ec.EllipticCurvePrivateKey:
    """The private key, or WrongPin (the PIN is wrong, or the sealed bytes were altered or
    belong to another context), or ServerSecretMismatch (sealed under another server secret)."""
    _check_inputs(pin, server_secret, salt)
    parameters, check, nonce, ciphertext = _split(sealed)
    header = sealed[: _HEADER.size]
    kek = _key_encryption_key(pin, server_secret, salt, parameters)
    try:
        plaintext = AESGCM(kek).decrypt(nonce, ciphertext, header + check + salt + context)
    except InvalidTag as error:
        if not hmac.compare_digest(check, _server_check(server_secret, salt)):
            raise ServerSecretMismatch("this key was sealed under another server secret") from error
        raise WrongPin() from error
    key = serialization.load_der_private_key(plaintext, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SealedKeyUnreadable("the sealed key is not an EC key")
    return key


def _check_inputs(pin: str, server_secret: bytes, salt: bytes) -> None:
    if not is_valid_pin(pin):
        raise WrongPin("The certificate PIN is six digits.")
    if len(server_secret) < 16:
        raise ValueError("the server secret is missing or too short")
    if len(salt) < _MIN_SALT_BYTES:
        raise ValueError("the salt is at least 16 random bytes")


def _split(sealed: bytes) -> tuple[ArgonParameters, bytes, bytes, bytes]:
    minimum = _HEADER.size + _CHECK_BYTES + _NONCE_BYTES + 16 + 1
    if len(sealed) < minimum:
        raise SealedKeyUnreadable("too short to be a sealed key")
    magic, time_cost, memory_cost, parallelism = _HEADER.unpack_from(sealed)
    if magic != _MAGIC:
        raise SealedKeyUnreadable("not a sealed key")
    try:
        parameters = ArgonParameters(time_cost, memory_cost, parallelism)
    except ValueError as error:
        raise SealedKeyUnreadable(str(error)) from error
    position = _HEADER.size
    check = sealed[position : position + _CHECK_BYTES]
    position += _CHECK_BYTES
    nonce = sealed[position : position + _NONCE_BYTES]
    return parameters, check, nonce, sealed[position + _NONCE_BYTES :]


def _key_encryption_key(
    pin: str, server_secret: bytes, salt: bytes, parameters: ArgonParameters
) -> bytes:
    pin_key = hash_secret_raw(
        secret=pin.encode("ascii"),
        salt=salt,
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost_kib,
        parallelism=parameters.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    server_key = _hkdf(server_secret, _SERVER_KEY_INFO, salt=None)
    return _hkdf(server_key + pin_key, _KEK_INFO, salt=salt)


def _server_check(server_secret: bytes, salt: bytes) -> bytes:
    key = _hkdf(server_secret, _CHECK_INFO, salt=None)
    return hmac.new(key, salt, hashlib.sha256).digest()[:_CHECK_BYTES]


def _hkdf(material: bytes, info: bytes, *, salt: bytes | None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)
