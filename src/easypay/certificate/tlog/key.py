"""The log's Ed25519 signing key and its origin (the log's name in every checkpoint).

The key lives in `<var_dir>/tlog/log.key` (PKCS#8 PEM, mode 0600), created on first use; two
processes starting at once end with the same key (the file is created exclusively). Its public
half is published at `GET /tlog/key` in the Go sumdb/note verifier-key format, so anyone can
check checkpoints (and, through them, inclusion and consistency proofs) with their own tools.
Losing the key file means new checkpoints can no longer be verified with the published key:
back it up apart from the database, like the server secret.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from easypay.certificate.pki.signer import write_exclusively
from easypay.certificate.tlog.checkpoint import verifier_key
from easypay.certificate.tlog.errors import LogCorrupt
from easypay.config import Settings

KEY_FILE = Path("tlog") / "log.key"


def key_path(settings: Settings) -> Path:
    return settings.var_dir / KEY_FILE


def log_origin(settings: Settings) -> str:
    """The log's origin (and key name): `EASYPAY_TLOG_ORIGIN`, by default
    "<host[:port] of base_url>/certificates"."""
    if settings.tlog_origin:
        return settings.tlog_origin
    host = urlsplit(settings.base_url).netloc or "easypay.local"
    return f"{host}/certificates"


def load_log_key(settings: Settings, *, create: bool = True) -> Ed25519PrivateKey:
    """The log's private key; created on first use unless `create` is False."""
    path = key_path(settings)
    if not path.exists():
        if not create:
            raise LogCorrupt(f"the log key {path} does not exist")
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process won the race: its key
            write_exclusively(path, pem, mode=0o600)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as error:
        raise LogCorrupt(f"{path} does not hold a readable private key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise LogCorrupt(f"{path} does not hold an Ed25519 key")
    return key


def published_key(settings: Settings) -> tuple[str, Ed25519PublicKey, str]:
    """(origin, public key, verifier key text) as `GET /tlog/key` publishes them."""
    origin = log_origin(settings)
    public_key = load_log_key(settings).public_key()
    return origin, public_key, verifier_key(origin, public_key)
